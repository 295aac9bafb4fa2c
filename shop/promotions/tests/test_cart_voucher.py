"""Applying a code in the cart: the page's form and the JSON API, one service."""

from __future__ import annotations

import pytest
from django.test import Client

from shop.cart.tests.factories import product_make, variant_of
from shop.promotions.models import VoucherKind
from shop.promotions.tests.factories import voucher_make

pytestmark = pytest.mark.django_db


def _fill(client: Client, price: str = "1299.00", quantity: int = 1) -> None:
    product = product_make(price=price)
    data = {"product": product.pk, "variant": variant_of(product, "M").pk, "quantity": quantity}
    assert client.post("/cart/add/", data).status_code == 302


def _json(client: Client, url: str, body: dict | None = None):  # noqa: ANN202
    return client.post(url, body or {}, content_type="application/json")


def test_the_cart_page_applies_a_code_and_shows_the_discount(client):
    voucher_make(code="SAVE10", value="10", description="Ten percent off")
    _fill(client, quantity=2)

    response = client.post("/cart/voucher/", {"code": "save10"})
    assert response.status_code == 302 and response["Location"] == "/cart/"
    html = client.get("/cart/").content.decode()

    assert 'data-testid="discount">−₹259.80</dd>' in html
    assert 'data-testid="total"><strong>₹2,338.20</strong>' in html
    assert "Voucher <strong>SAVE10</strong>: Ten percent off" in html

    client.post("/cart/voucher/remove/")
    html = client.get("/cart/").content.decode()
    assert 'data-testid="discount"' not in html
    assert 'name="code"' in html


def test_a_refused_code_is_said_in_place_and_not_kept(client):
    voucher_make(code="BIG", minimum_order="5000")
    _fill(client)

    response = client.post("/cart/voucher/", {"code": "BIG"}, headers={"HX-Request": "true"})

    html = response.content.decode()
    assert response.status_code == 409
    assert "BIG needs a cart total of ₹5,000 or more." in html
    assert 'data-testid="discount"' not in html
    assert client.get("/api/cart/").json()["voucher"] == ""


def test_a_kept_code_that_stops_applying_says_why_and_takes_nothing_off(client):
    voucher = voucher_make(code="FLAT", kind=VoucherKind.FIXED, value="200")
    _fill(client)
    client.post("/cart/voucher/", {"code": "flat"})
    voucher.is_active = False
    voucher.save()

    cart = client.get("/api/cart/").json()

    assert (cart["voucher"], cart["voucher_error"]) == ("FLAT", "FLAT has expired.")
    assert (cart["discount"], cart["total"]) == ("0.00", "1299.00")


def test_the_cart_api_applies_a_code_with_the_discount_line_by_line(client):
    voucher_make(code="FLAT", kind=VoucherKind.FIXED, value="100")
    _fill(client, price="300.00")
    _fill(client, price="100.01")

    cart = _json(client, "/api/cart/voucher/", {"code": "flat"}).json()

    assert (cart["voucher"], cart["voucher_error"]) == ("FLAT", "")
    assert [line["discount"] for line in cart["lines"]] == ["75.00", "25.00"]
    assert (cart["subtotal"], cart["discount"]) == ("400.01", "100.00")
    # Delivery is priced on 300.01, under the free-delivery threshold.
    assert (cart["delivery"], cart["total"]) == ("99.00", "399.01")

    removed = _json(client, "/api/cart/voucher/remove/").json()
    assert (removed["voucher"], removed["discount"], removed["total"]) == ("", "0.00", "499.01")


@pytest.mark.parametrize(
    ("body", "status", "detail"),
    [
        ({"code": "NOPE"}, 404, "NOPE is not a voucher code we know."),
        ({"code": ""}, 400, None),
        ({"code": "X" * 33}, 400, None),
    ],
)
def test_bad_codes_get_a_clear_4xx(client, body, status, detail):
    _fill(client)
    response = _json(client, "/api/cart/voucher/", body)
    assert response.status_code == status
    if detail:
        assert response.json() == {"detail": detail}


def test_a_code_needs_something_in_the_cart(client):
    voucher_make()
    response = _json(client, "/api/cart/voucher/", {"code": "SAVE10"})
    assert response.status_code == 400
