"""Vouchers at checkout: copied onto the order line by line, counted, given back."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest
from django.core import mail

from shop.cart.models import Cart
from shop.cart.services import cart_voucher_apply
from shop.cart.tests.factories import product_make
from shop.orders.exceptions import OrderError
from shop.orders.models import Order, OrderStatus
from shop.orders.services import order_place, order_status_change
from shop.orders.tests.helpers import DETAILS, cart_with, token
from shop.promotions.models import VoucherKind, VoucherUse
from shop.promotions.tests.factories import voucher_make

pytestmark = pytest.mark.django_db


def _cart_with_voucher(code: str = "SAVE10") -> Cart:
    kurta = product_make(price="1299.00", stock=5)
    tee = product_make(name="Cotton Tee", price="349.50")
    cart = cart_with((kurta, "M", 2), (tee, "L", 1))
    cart_voucher_apply(cart=cart, code=code.lower())
    return cart


def _place(cart: Cart, **details: str):  # noqa: ANN202
    return order_place(
        cart_id=cart.pk, details=dataclasses.replace(DETAILS, **details), checkout_token=token()
    )


def test_an_order_keeps_the_discount_line_by_line_and_adds_up_to_the_paisa():
    voucher_make(kind=VoucherKind.PERCENTAGE, value="7.5")
    order = _place(_cart_with_voucher())

    lines = list(order.lines.all())
    assert order.voucher_code == "SAVE10"
    # 7.5% of 2947.50 = 221.0625 -> 221.06, shared 2598 : 349.50.
    assert order.discount == Decimal("221.06")
    assert [line.discount for line in lines] == [Decimal("194.85"), Decimal("26.21")]
    assert sum(line.discount for line in lines) == order.discount
    assert order.subtotal == Decimal("2947.50")
    # Free delivery is earned on what the goods cost after the discount (2726.44 > 999).
    assert order.delivery_price == Decimal(0)
    assert order.total == Decimal("2726.44")
    assert VoucherUse.objects.get().order == order
    assert Cart.objects.get(pk=order.cart_id).voucher_code == ""


def test_editing_the_voucher_later_never_changes_the_order():
    voucher = voucher_make(kind=VoucherKind.FIXED, value="100")
    order = _place(_cart_with_voucher())

    voucher.value = Decimal("900")
    voucher.save()
    order.refresh_from_db()

    assert order.discount == Decimal("100.00")
    assert sum(line.discount for line in order.lines.all()) == Decimal("100.00")


def test_checkout_counts_the_per_customer_limit_by_email():
    voucher_make(per_customer_limit=1)
    _place(_cart_with_voucher())
    kurta = product_make(price="1299.00")
    cart = cart_with((kurta, "M", 1))
    Cart.objects.filter(pk=cart.pk).update(voucher_code="SAVE10")

    with pytest.raises(OrderError, match="already used SAVE10") as refused:
        _place(cart, email="ASHA@example.com")

    assert refused.value.status == 409
    assert _place(cart, email="ravi@example.com").discount == Decimal("129.90")


def test_cancelling_an_order_gives_the_use_back():
    voucher_make(usage_limit=1)
    order = _place(_cart_with_voucher())
    cart = cart_with((product_make(), "S", 1))
    Cart.objects.filter(pk=cart.pk).update(voucher_code="SAVE10")
    with pytest.raises(OrderError, match="used up"):
        _place(cart, email="ravi@example.com")

    order_status_change(order_id=order.pk, status=OrderStatus.CANCELLED)

    assert not VoucherUse.objects.exists()
    order.refresh_from_db()
    assert order.discount == Decimal("294.75")  # the order still says what it was sold for
    assert _place(cart, email="ravi@example.com").voucher_code == "SAVE10"


def test_the_checkout_page_shows_the_discount_and_refuses_a_voucher_changed_since(client):
    from shop.orders.tests.test_views import _checkout_form, _fill_cart

    voucher = voucher_make(kind=VoucherKind.FIXED, value="200")
    _fill_cart(client, product_make(price="1299.00"))
    client.post("/cart/voucher/", {"code": "save10"})
    page = client.get("/checkout/").content.decode()
    assert 'data-testid="discount">−₹200</dd>' in page and "₹1,099" in page
    form = _checkout_form(client)

    voucher.value = Decimal("300")
    voucher.save()
    stale = client.post("/checkout/", form)

    assert stale.status_code == 409
    assert "Your cart changed since you opened checkout" in stale.content.decode()
    placed = client.post("/checkout/", _checkout_form(client))
    assert placed.status_code == 302
    order = Order.objects.get()
    assert (order.discount, order.total) == (Decimal("300.00"), Decimal("999.00"))


def test_the_order_api_and_the_confirmation_email_say_what_the_voucher_took_off(client):
    from shop.orders.emails import order_confirmation_send
    from shop.orders.tests.test_views import _checkout_form, _fill_cart

    voucher_make(kind=VoucherKind.FIXED, value="100")
    _fill_cart(client, product_make(price="1299.00"))
    client.post("/api/cart/voucher/", {"code": "SAVE10"}, content_type="application/json")
    assert client.post("/checkout/", _checkout_form(client)).status_code == 302
    order = Order.objects.get()

    body = client.post(
        "/api/orders/lookup/",
        {"number": order.number, "email": order.email},
        content_type="application/json",
    ).json()
    assert (body["voucher_code"], body["discount"]) == ("SAVE10", "100.00")
    assert body["total"] == "1199.00"
    assert body["lines"][0]["discount"] == "100.00"
    order_confirmation_send(order_id=order.pk)
    assert "Voucher SAVE10: -₹100\n" in mail.outbox[0].body


def test_a_guests_code_joins_the_accounts_cart_at_login(client, django_user_model):
    from shop.orders.tests.test_views import _fill_cart

    user = django_user_model.objects.create_user("asha", "asha@example.com", "pw-123456789")
    accounts_cart = cart_with((product_make(), "S", 1))
    accounts_cart.user = user
    accounts_cart.save()
    voucher_make()
    _fill_cart(client, product_make())
    client.post("/cart/voucher/", {"code": "save10"})

    client.force_login(user)

    assert Cart.objects.get(user=user).voucher_code == "SAVE10"
