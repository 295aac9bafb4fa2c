"""Checkout abuse: rate limits per session, address, e-mail and phone; a cap on open
cash-on-delivery orders; the shopper's words quoted in the confirmation e-mail."""

from __future__ import annotations

import dataclasses
import uuid

import pytest
from django.core import mail
from django.test import Client

from shop.cart.tests.factories import product_make, variant_of
from shop.orders.emails import order_confirmation_send
from shop.orders.exceptions import OrderError
from shop.orders.models import Order, OrderStatus
from shop.orders.services import order_place
from shop.orders.tests.helpers import CHECKOUT_FORM, DETAILS, cart_with, token

pytestmark = pytest.mark.django_db


def _fill(client: Client, product) -> None:
    body = {"product": product.pk, "variant": variant_of(product, "M").pk, "quantity": 1}
    assert client.post("/api/cart/lines/", body, content_type="application/json").status_code == 201


def _api_checkout(client: Client, **changes: str) -> object:
    body = {**CHECKOUT_FORM, "checkout_token": str(uuid.uuid4()), **changes}
    return client.post("/api/checkout/", body, content_type="application/json")


def _page_checkout(client: Client, **changes: str) -> object:
    return client.post("/checkout/", {**CHECKOUT_FORM, "checkout_token": uuid.uuid4(), **changes})


def test_checkouts_are_limited_per_session_on_the_page_and_the_api_together(client, settings):
    settings.SHOP_CHECKOUT_RATE_PER_MINUTE = 2
    product = product_make()
    _fill(client, product)
    assert _api_checkout(client, email="a@example.com", phone="9876543201").status_code == 201
    _fill(client, product)
    page = _page_checkout(client, email="b@example.com", phone="9876543202")
    assert page.status_code == 302
    _fill(client, product)
    refused = _api_checkout(client, email="c@example.com", phone="9876543203")
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1
    refused_page = _page_checkout(client, email="d@example.com", phone="9876543204")
    assert refused_page.status_code == 429 and "Too many checkouts" in refused_page.content.decode()
    assert Order.objects.count() == 2


def test_checkouts_are_limited_per_email_and_per_phone_across_sessions(settings):
    settings.SHOP_CHECKOUT_RATE_PER_MINUTE = 2
    product = product_make()
    shoppers = [Client(REMOTE_ADDR=f"10.0.0.{n}") for n in range(6)]
    for shopper in shoppers:
        _fill(shopper, product)
    assert _api_checkout(shoppers[0], email="x@example.com").status_code == 201
    assert _api_checkout(shoppers[1], email="X@example.com", phone="9876543299").status_code == 201
    assert _api_checkout(shoppers[2], email="x@example.com", phone="9876543298").status_code == 429
    # The phone of the first two (CHECKOUT_FORM's and the one above) is spent as well.
    assert _api_checkout(shoppers[3], email="y@example.com").status_code == 201
    assert _api_checkout(shoppers[4], email="z@example.com").status_code == 429
    assert Order.objects.count() == 3


def test_open_cash_on_delivery_orders_are_capped_per_email_and_phone(settings):
    settings.SHOP_COD_OPEN_ORDERS_MAX = 2
    product = product_make(stock=20)

    def place(**changes: str) -> Order:
        details = dataclasses.replace(DETAILS, **changes)
        return order_place(
            cart_id=cart_with((product, "M", 1)).pk, details=details, checkout_token=token()
        )

    first = place()
    place(email="ASHA@example.com")
    for changes in ({}, {"phone": "+919876511111"}, {"email": "other@example.com"}):
        with pytest.raises(OrderError, match="waiting for confirmation") as error:
            place(**changes)
        assert error.value.status == 409
    assert variant_of(product, "M").stock == 18
    Order.objects.filter(pk=first.pk).update(status=OrderStatus.CONFIRMED)
    place()  # a confirmed order no longer counts as open
    assert Order.objects.count() == 3


def test_the_shoppers_own_words_are_quoted_in_the_confirmation_email():
    spoof = "Asha\n\nURGENT from Threadline: your account is locked. Pay at evil.example"
    details = dataclasses.replace(DETAILS, name=spoof, line2="Flat 4B\r\nCall +1 555 0100 now")
    order = order_place(
        cart_id=cart_with((product_make(), "M", 1)).pk, details=details, checkout_token=token()
    )
    assert "\n" not in order.name and "\n" not in order.line2  # stored on one line each
    order_confirmation_send(order_id=order.pk)
    body = mail.outbox[0].body
    for line in body.splitlines():
        if "URGENT" in line or "555" in line:
            assert line.startswith("> "), line
    assert "> Asha URGENT from Threadline: your account is locked. Pay at evil.example" in body
    assert body.startswith("Thank you for your order.\n")
