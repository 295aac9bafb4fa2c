"""Order history and "buy again"."""

from __future__ import annotations

import pytest
from django.urls import reverse

from shop.accounts.services import order_buy_again
from shop.accounts.tests.conftest import shopper_make
from shop.cart.models import Cart
from shop.cart.services import cart_create
from shop.cart.tests.factories import product_make
from shop.orders.models import OrderStatus
from shop.orders.services import order_place, order_status_change
from shop.orders.tests.helpers import DETAILS, cart_with, token

pytestmark = pytest.mark.django_db


def _order_for(user, *items):
    return order_place(
        cart_id=cart_with(*items).pk, details=DETAILS, checkout_token=token(), user=user
    )


def test_order_history_lists_the_shoppers_orders_with_their_status(client, shopper) -> None:
    product = product_make(stock=5)
    first = _order_for(shopper, (product, "S", 1))
    second = _order_for(shopper, (product, "M", 2))
    order_status_change(order_id=first.pk, status=OrderStatus.CONFIRMED)
    _order_for(shopper_make("kiran@example.com"), (product, "L", 1))
    _order_for(None, (product, "L", 1))
    client.force_login(shopper)
    page = client.get(reverse("accounts:orders"))
    numbers = [order.number for order in page.context["orders"]]
    assert numbers == [second.number, first.number]
    assert b"Confirmed" in page.content and b"Placed" in page.content


def test_an_order_page_shows_only_the_shoppers_own_order(client, shopper) -> None:
    product = product_make()
    mine = _order_for(shopper, (product, "S", 1))
    theirs = _order_for(shopper_make("kiran@example.com"), (product, "S", 1))
    client.force_login(shopper)
    page = client.get(reverse("accounts:order_detail", args=[mine.number]))
    assert page.status_code == 200 and product.name.encode() in page.content
    assert client.get(reverse("accounts:order_detail", args=[theirs.number])).status_code == 404
    response = client.post(reverse("accounts:order_buy_again", args=[theirs.number]))
    assert response.status_code == 404


def test_buy_again_adds_what_is_still_in_stock_and_names_the_rest(shopper) -> None:
    product = product_make(stock=5)
    other = product_make(name="Test Cotton Shirt", stock=5)
    order = _order_for(shopper, (product, "S", 3), (product, "M", 1), (other, "L", 1))
    product.variants.filter(size="S").update(stock=2)  # fewer left than were bought
    product.variants.filter(size="M").update(stock=0)
    other.variants.filter(size="L").update(is_active=False)
    cart = cart_create(user=shopper)
    result = order_buy_again(order=order, cart=cart)
    lines = {
        (line.variant.product_id, line.variant.size): line.quantity for line in cart.lines.all()
    }
    assert lines == {(product.pk, "S"): 2}
    assert len(result.added) == 1 and len(result.skipped) == 2
    assert any("out of stock" in reason for reason in result.skipped)
    assert any("not available" in reason for reason in result.skipped)


def test_buy_again_skips_a_size_deleted_from_the_catalog(shopper) -> None:
    product = product_make()
    order = _order_for(shopper, (product, "S", 1))
    product.variants.filter(size="S").delete()
    result = order_buy_again(order=order, cart=cart_create(user=shopper))
    assert result.added == [] and "no longer sold" in result.skipped[0]


def test_buy_again_from_the_order_page_refills_the_cart(client, shopper) -> None:
    product = product_make(stock=5)
    order = _order_for(shopper, (product, "S", 2))
    client.force_login(shopper)
    response = client.post(reverse("accounts:order_buy_again", args=[order.number]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("cart:detail")
    assert b"Added to your cart" in response.content
    cart = Cart.objects.get(user=shopper)
    assert [(line.variant.size, line.quantity) for line in cart.lines.all()] == [("S", 2)]


def test_the_cart_follows_the_shopper_to_another_device(client, shopper) -> None:
    product = product_make()
    client.force_login(shopper)
    client.post(
        reverse("cart:line_add"),
        {"product": product.pk, "variant": product.variants.get(size="M").pk, "quantity": 1},
    )
    from django.test import Client

    phone = Client()
    phone.force_login(shopper)
    page = phone.get(reverse("cart:detail"))
    assert [item.variant.size for item in page.context["summary"].items] == ["M"]
