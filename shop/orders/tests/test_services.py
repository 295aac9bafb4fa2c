from __future__ import annotations

import dataclasses
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.core import mail
from procrastinate.contrib.django.models import ProcrastinateJob

from shop.cart.models import CartLine
from shop.cart.tests.factories import product_make, variant_of
from shop.catalog.models import ProductVariant
from shop.errors import ShopError
from shop.orders import payments
from shop.orders.emails import order_confirmation_send
from shop.orders.exceptions import OrderError
from shop.orders.models import Order, OrderLine, OrderStatus
from shop.orders.services import order_place, order_status_change
from shop.orders.tasks import send_order_confirmation, send_order_shipped
from shop.orders.tests.helpers import DETAILS, cart_with, token

pytestmark = pytest.mark.django_db


def _place(cart, **kwargs) -> Order:
    return order_place(
        cart_id=cart.pk, details=kwargs.pop("details", DETAILS), checkout_token=token(), **kwargs
    )


def test_an_order_copies_what_was_sold_and_totals_it(django_capture_on_commit_callbacks):
    kurta = product_make(price="1299.00", stock=5, brand="Fabindia")
    tee = product_make(name="Cotton Tee", price="349.50", brand="Puma")
    cart = cart_with((kurta, "M", 2), (tee, "L", 1))

    with django_capture_on_commit_callbacks(execute=True):
        order = _place(cart)

    assert re.fullmatch(r"TL-[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{8}", order.number)
    assert order.status == OrderStatus.PLACED
    assert order.subtotal == Decimal("2947.50")
    assert order.delivery_price == Decimal(0)  # free standard delivery from 999
    assert order.total == Decimal("2947.50")
    assert order.currency == "INR"
    lines = {line.product_name: line for line in order.lines.all()}
    assert lines["Test Linen Kurta"].brand == "Fabindia"
    assert lines["Test Linen Kurta"].size == "M"
    assert lines["Test Linen Kurta"].sku == variant_of(kurta, "M").sku
    assert lines["Test Linen Kurta"].line_total == Decimal("2598.00")
    assert lines["Cotton Tee"].unit_price == Decimal("349.50")
    assert variant_of(kurta, "M").stock == 3
    assert variant_of(tee, "L").stock is None  # not tracked: untouched
    assert not cart.lines.exists()

    # The confirmation is a job queued with the order; the worker runs the task.
    job = ProcrastinateJob.objects.get(args={"order_id": order.pk})
    assert job.task_name.endswith("send_order_confirmation") and job.status == "todo"
    assert mail.outbox == []
    assert send_order_confirmation(order_id=order.pk) == "sent"
    assert send_order_confirmation(order_id=order.pk) == "already sent"
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["asha@example.com"]
    assert order.number in sent.subject
    assert "2 x Test Linen Kurta by Fabindia, size M: ₹2,598" in sent.body
    assert "Total: ₹2,947.50" in sent.body
    order.refresh_from_db()
    assert order.confirmation_sent_at is not None


def test_the_confirmation_is_sent_once():
    order = _place(cart_with((product_make(), "M", 1)))
    assert order_confirmation_send(order_id=order.pk) is True
    assert order_confirmation_send(order_id=order.pk) is False
    assert len(mail.outbox) == 1
    # It links to the status page, absolute (a worker writes it, not a request).
    assert f"{settings.SHOP_BASE_URL}/orders/status/" in mail.outbox[0].body


def test_shipping_an_order_queues_one_on_its_way_e_mail(settings):
    settings.SHOP_BASE_URL = "https://shop.example.com"
    order = _place(cart_with((product_make(), "M", 1)))
    order_status_change(order_id=order.pk, status=OrderStatus.CONFIRMED)
    assert not ProcrastinateJob.objects.filter(task_name__endswith="send_order_shipped").exists()
    order_status_change(order_id=order.pk, status=OrderStatus.SHIPPED)
    job = ProcrastinateJob.objects.get(task_name__endswith="send_order_shipped")
    assert job.args == {"order_id": order.pk}
    assert send_order_shipped(order_id=order.pk) == "sent"
    assert send_order_shipped(order_id=order.pk).startswith("not sent")  # once
    sent = mail.outbox[-1]
    assert sent.to == [order.email] and "on its way" in sent.subject
    assert "https://shop.example.com/orders/status/" in sent.body
    assert "ready for the courier" in sent.body  # cash on delivery


def test_later_catalog_edits_never_change_an_order():
    product = product_make(price="999.00")
    order = _place(cart_with((product, "S", 1)))
    product.name, product.price = "Renamed", Decimal("1.00")
    product.save()
    variant = variant_of(product, "S")
    variant.size = "Small"
    variant.save()
    variant.delete()
    line = OrderLine.objects.get(order=order)
    assert (line.product_name, line.size, line.unit_price, line.variant) == (
        "Test Linen Kurta",
        "S",
        Decimal("999.00"),
        None,
    )


def test_standard_delivery_is_charged_below_the_threshold_and_express_always():
    cheap = product_make(price="499.00")
    standard = _place(cart_with((cheap, "M", 1)))
    assert (standard.delivery_price, standard.total) == (Decimal(99), Decimal(598))
    express = _place(
        cart_with((cheap, "M", 3)), details=dataclasses.replace(DETAILS, delivery_method="express")
    )
    assert (express.delivery_price, express.total) == (Decimal(199), Decimal(1696))
    assert express.delivery_name == "Express delivery"


def test_the_same_checkout_token_returns_the_same_order():
    product = product_make(stock=3)
    cart = cart_with((product, "M", 1))
    once = token()
    first = order_place(cart_id=cart.pk, details=DETAILS, checkout_token=once)
    again = order_place(cart_id=cart.pk, details=DETAILS, checkout_token=once)
    assert again.pk == first.pk
    assert Order.objects.count() == 1
    assert variant_of(product, "M").stock == 2


def test_a_checkout_token_is_answered_only_for_the_cart_or_user_that_placed_it():
    from django.contrib.auth.models import User

    buyer = User.objects.create_user("asha", "asha@example.com", "pw-123456789")
    product = product_make(stock=3)
    once = token()
    first = order_place(
        cart_id=cart_with((product, "M", 1)).pk, details=DETAILS, checkout_token=once, user=buyer
    )
    stranger = cart_with((product, "L", 1))
    for cart_id in (stranger.pk, None):
        with pytest.raises(OrderError, match="already submitted") as error:
            order_place(cart_id=cart_id, details=DETAILS, checkout_token=once)
        assert error.value.status == 409
    # The same shopper, signed in elsewhere, gets their order back.
    again = order_place(cart_id=None, details=DETAILS, checkout_token=once, user=buyer)
    assert again.pk == first.pk
    assert Order.objects.count() == 1 and stranger.lines.count() == 1


def test_an_empty_or_missing_cart_is_refused():
    product = product_make()
    cart = cart_with((product, "M", 1))
    cart.lines.all().delete()
    for cart_id in (cart.pk, None, 987654321):
        with pytest.raises(OrderError, match="Your cart is empty"):
            order_place(cart_id=cart_id, details=DETAILS, checkout_token=token())
    assert not Order.objects.exists()


def test_out_of_stock_between_cart_and_checkout_names_the_item_and_writes_nothing():
    kurta = product_make(stock=5)
    tee = product_make(name="Cotton Tee", stock=1)
    cart = cart_with((kurta, "M", 2), (tee, "S", 1))
    ProductVariant.objects.filter(pk=variant_of(tee, "S").pk).update(stock=0)

    with pytest.raises(OrderError) as error:
        _place(cart)

    assert error.value.status == 409
    assert "Cotton Tee (size S) is out of stock" in error.value.message
    assert not Order.objects.exists() and not OrderLine.objects.exists()
    assert variant_of(kurta, "M").stock == 5
    assert cart.lines.count() == 2


def test_a_size_withdrawn_after_it_was_added_makes_the_cart_stale():
    product = product_make()
    cart = cart_with((product, "M", 1))
    ProductVariant.objects.filter(product=product, size="M").update(is_active=False)
    with pytest.raises(OrderError, match=r"\(size M\) is no longer available"):
        _place(cart)
    assert not Order.objects.exists()


def test_a_checkout_page_priced_before_a_price_change_is_refused():
    from shop.cart.selectors import cart_summary

    product = product_make(price="1000.00")
    cart = cart_with((product, "M", 1))
    seen = cart_summary(cart_id=cart.pk).fingerprint
    product.price = Decimal("1200.00")
    product.save()
    with pytest.raises(OrderError, match="changed since you opened checkout") as error:
        _place(cart, cart_fingerprint=seen)
    assert error.value.status == 409
    order = _place(cart, cart_fingerprint=cart_summary(cart_id=cart.pk).fingerprint)
    assert order.total == Decimal("1200.00")


def test_an_unknown_delivery_or_payment_method_is_refused():
    cart = cart_with((product_make(), "M", 1))
    # The cart owns delivery methods (CartError), orders the payment ones (OrderError).
    for change in ({"delivery_method": "drone"}, {"payment_method": "card"}):
        with pytest.raises(ShopError, match="Choose a"):
            _place(cart, details=dataclasses.replace(DETAILS, **change))
    assert cart.lines.exists()


class _Refusing:
    code, name, description = "refuse", "Refusing test method", ""

    def authorise(self, order: Order) -> payments.PaymentResult:
        assert order.lines.count() == 1  # called with the order fully written
        return payments.PaymentResult(approved=False, message="Declined by the provider.")


def test_a_refused_payment_rolls_back_the_order_and_the_stock(monkeypatch):
    monkeypatch.setitem(payments.PAYMENT_METHODS, "refuse", _Refusing())
    product = product_make(stock=2)
    cart = cart_with((product, "M", 1))
    with pytest.raises(OrderError, match="Declined by the provider") as error:
        _place(cart, details=dataclasses.replace(DETAILS, payment_method="refuse"))
    assert error.value.status == 402
    assert not Order.objects.exists()
    assert variant_of(product, "M").stock == 2
    assert CartLine.objects.filter(cart=cart).count() == 1


def test_cash_on_delivery_approves_without_a_reference():
    result = payments.CashOnDelivery().authorise(Order())
    assert result.approved and result.reference == ""


def test_the_workflow_allows_only_its_transitions():
    order = _place(cart_with((product_make(), "M", 1)))
    with pytest.raises(OrderError, match="placed cannot become delivered"):
        order_status_change(order_id=order.pk, status=OrderStatus.DELIVERED)
    for status in (OrderStatus.CONFIRMED, OrderStatus.SHIPPED, OrderStatus.DELIVERED):
        assert order_status_change(order_id=order.pk, status=status).status == status
    with pytest.raises(OrderError, match="delivered cannot become cancelled"):
        order_status_change(order_id=order.pk, status=OrderStatus.CANCELLED)
    with pytest.raises(OrderError, match="cannot become 'lost'"):
        order_status_change(order_id=order.pk, status="lost")


def test_selling_the_last_units_makes_a_product_unbuyable_until_the_order_is_cancelled():
    product = product_make(sizes=("M", "L"), stock=2)
    ProductVariant.objects.filter(product=product, size="L").update(stock=0)
    order = _place(cart_with((product, "M", 2)))
    product.refresh_from_db()
    assert not product.in_stock

    order_status_change(order_id=order.pk, status=OrderStatus.CANCELLED)
    product.refresh_from_db()
    assert product.in_stock


def test_cancelling_puts_tracked_stock_back_once():
    tracked = product_make(stock=4)
    untracked = product_make(name="Untracked")
    order = _place(cart_with((tracked, "M", 3), (untracked, "S", 2)))
    assert variant_of(tracked, "M").stock == 1
    # Stock tracking switched on after the sale: nothing was taken, nothing comes back.
    ProductVariant.objects.filter(product=untracked).update(stock=7)

    order_status_change(order_id=order.pk, status=OrderStatus.CANCELLED)
    assert variant_of(tracked, "M").stock == 4
    assert variant_of(untracked, "S").stock == 7
    with pytest.raises(OrderError):
        order_status_change(order_id=order.pk, status=OrderStatus.CONFIRMED)
    assert order_status_change(order_id=order.pk, status=OrderStatus.CANCELLED).status == (
        OrderStatus.CANCELLED
    )
    assert variant_of(tracked, "M").stock == 4
