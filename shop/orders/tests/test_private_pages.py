"""Pages and answers about one shopper's cart or order are never stored by a cache."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client

from shop.cart.tests.factories import product_make, variant_of
from shop.orders.models import Order
from shop.orders.tests.helpers import CHECKOUT_FORM

pytestmark = pytest.mark.django_db


def _private(response) -> bool:
    directives = {d.strip() for d in response.get("Cache-Control", "").split(",")}
    return {"private", "no-store"} <= directives


@pytest.fixture
def ordered(client: Client) -> Order:
    product = product_make()
    body = {"product": product.pk, "variant": variant_of(product, "M").pk, "quantity": 1}
    client.post("/api/cart/lines/", body, content_type="application/json")
    body = {**CHECKOUT_FORM, "checkout_token": str(uuid.uuid4())}
    client.post("/api/checkout/", body, content_type="application/json")
    session = client.session  # as the checkout page would have remembered it
    session["orders_placed"] = [Order.objects.get().number]
    session.save()
    product = product_make()
    client.post(
        "/cart/add/", {"product": product.pk, "variant": variant_of(product, "M").pk, "quantity": 1}
    )
    return Order.objects.get()


def test_cart_and_order_pages_and_answers_are_private_and_not_stored(client, ordered):
    number, email = ordered.number, ordered.email
    line_id = client.get("/api/cart/").json()["lines"][0]["id"]
    responses = {
        "cart page": client.get("/cart/"),
        "cart update": client.post(f"/cart/lines/{line_id}/update/", {"quantity": 2}),
        "cart API": client.get("/api/cart/"),
        "cart line API": client.post(
            f"/api/cart/lines/{line_id}/update/", {"quantity": 1}, content_type="application/json"
        ),
        "confirmation": client.get(f"/orders/{number}/"),
        "status page": client.get("/orders/status/"),
        "status result": client.post("/orders/status/", {"number": number, "email": email}),
        "lookup API": client.post(
            "/api/orders/lookup/",
            {"number": number, "email": email},
            content_type="application/json",
        ),
        "checkout": client.get("/checkout/"),
    }
    statuses = {name: r.status_code for name, r in responses.items()}
    assert set(statuses.values()) <= {200, 302}, statuses
    assert [name for name, response in responses.items() if not _private(response)] == []
