from __future__ import annotations

import uuid

import pytest
from django.test import Client

from shop.cart.models import CartLine
from shop.cart.tests.factories import product_make, variant_of
from shop.catalog.models import ProductVariant
from shop.orders.models import Order
from shop.orders.tests.helpers import CHECKOUT_FORM

pytestmark = pytest.mark.django_db


def _post(client: Client, url: str, body: object) -> object:
    return client.post(url, body, content_type="application/json")


def _add(client: Client, product, size: str = "M", quantity: int = 1) -> object:
    body = {"product": product.pk, "variant": variant_of(product, size).pk, "quantity": quantity}
    return _post(client, "/api/cart/lines/", body)


def test_the_cart_api_adds_updates_and_removes_lines_priced_from_the_catalog(client):
    product = product_make(price="450.00")
    empty = client.get("/api/cart/").json()
    assert (empty["lines"], empty["count"], empty["total"]) == ([], 0, "0.00")

    added = _add(client, product, quantity=2)
    assert added.status_code == 201
    cart = added.json()
    line = cart["lines"][0]
    assert (line["product_name"], line["size"], line["quantity"]) == ("Test Linen Kurta", "M", 2)
    assert (line["unit_price"], line["line_total"], line["problem"]) == ("450.00", "900.00", "")
    assert (cart["subtotal"], cart["delivery"], cart["total"]) == ("900.00", "99.00", "999.00")
    assert cart["currency"] == "INR"

    updated = _post(client, f"/api/cart/lines/{line['id']}/update/", {"quantity": 3})
    assert updated.status_code == 200
    assert (updated.json()["total"], updated.json()["delivery"]) == ("1350.00", "0.00")

    removed = client.post(f"/api/cart/lines/{line['id']}/remove/")
    assert removed.status_code == 200 and removed.json()["lines"] == []


@pytest.mark.parametrize(
    ("body", "status", "detail"),
    [
        ({"quantity": 0}, 400, "Quantity must be at least 1."),
        ({"quantity": 50}, 400, "You can buy at most 10 of one item."),
        ({"quantity": "many"}, 400, "quantity: A valid integer is required."),
        ({"variant": 987654321}, 400, "That size does not exist for this product."),
        ({"variant": None}, 400, "variant: This field may not be null."),
    ],
)
def test_bad_cart_additions_get_a_clear_400(client, body, status, detail):
    product = product_make()
    base = {"product": product.pk, "variant": variant_of(product, "M").pk, "quantity": 1}
    response = _post(client, "/api/cart/lines/", {**base, **body})
    assert response.status_code == status
    assert response.json() == {"detail": detail}


def test_malformed_or_non_json_bodies_are_4xx(client):
    broken = client.post("/api/cart/lines/", "{not json", content_type="application/json")
    assert broken.status_code == 400
    form = client.post("/api/cart/lines/", {"product": 1, "variant": 1, "quantity": 1})
    assert form.status_code == 415
    assert (
        client.post("/api/cart/lines/1/update/", [], content_type="application/json").status_code
        == 400
    )


def test_an_unknown_line_is_a_404(client):
    product = product_make()
    _add(client, product)
    assert _post(client, "/api/cart/lines/987654321/update/", {"quantity": 1}).status_code == 404
    assert client.post("/api/cart/lines/987654321/remove/").status_code == 404
    assert Client().post("/api/cart/lines/1/remove/").status_code == 404


def test_checkout_api_places_an_order_once_per_token(client):
    product = product_make(price="1299.00", stock=3)
    _add(client, product, quantity=2)
    body = {**CHECKOUT_FORM, "checkout_token": str(uuid.uuid4())}
    body["cart_fingerprint"] = client.get("/api/cart/").json()["fingerprint"]

    first = _post(client, "/api/checkout/", body)
    assert first.status_code == 201, first.json()
    order = first.json()
    assert order["number"].startswith("TL-") and order["status"] == "placed"
    assert (order["subtotal"], order["delivery_price"], order["total"]) == (
        "2598.00",
        "0.00",
        "2598.00",
    )
    assert order["lines"][0]["size"] == "M" and order["payment_method"] == "cod"

    again = _post(client, "/api/checkout/", body)
    assert again.json()["number"] == order["number"]
    assert Order.objects.count() == 1 and variant_of(product, "M").stock == 1


def test_another_sessions_checkout_token_gets_a_409_not_their_order(client):
    _add(client, product_make())
    body = {**CHECKOUT_FORM, "checkout_token": str(uuid.uuid4())}
    assert _post(client, "/api/checkout/", body).status_code == 201
    stranger = Client()
    response = _post(stranger, "/api/checkout/", {**body, "email": "eve@example.com"})
    assert response.status_code == 409
    assert "asha@example.com" not in response.content.decode()
    assert response.json() == {"detail": "This checkout was already submitted."}


@pytest.mark.parametrize(
    ("change", "detail"),
    [
        ({"postcode": "1234"}, "postcode: Enter a 6-digit PIN code (it does not start with 0)."),
        ({"phone": "555"}, "phone: Enter a 10-digit Indian mobile number."),
        ({"payment_method": "card"}, 'payment_method: "card" is not a valid choice.'),
        ({"checkout_token": "nope"}, "checkout_token: Must be a valid UUID."),
    ],
)
def test_bad_checkout_details_are_a_400(client, change, detail):
    _add(client, product_make())
    body = {**CHECKOUT_FORM, "checkout_token": str(uuid.uuid4()), **change}
    response = _post(client, "/api/checkout/", body)
    assert response.status_code == 400
    assert response.json() == {"detail": detail}


def test_checkout_api_refuses_an_empty_cart_and_missing_stock(client):
    body = {**CHECKOUT_FORM, "checkout_token": str(uuid.uuid4())}
    assert _post(client, "/api/checkout/", body).json() == {"detail": "Your cart is empty."}
    product = product_make(stock=1)
    _add(client, product)
    ProductVariant.objects.filter(product=product).update(stock=0)
    response = _post(client, "/api/checkout/", body)
    assert response.status_code == 409
    assert "Test Linen Kurta (size M) is out of stock" in response.json()["detail"]
    assert CartLine.objects.count() == 1 and not Order.objects.exists()


def test_order_lookup_needs_the_number_and_the_email(client):
    _add(client, product_make())
    body = {**CHECKOUT_FORM, "checkout_token": str(uuid.uuid4())}
    number = _post(client, "/api/checkout/", body).json()["number"]
    visitor = Client()
    found = _post(visitor, "/api/orders/lookup/", {"number": number, "email": "asha@example.com"})
    assert found.status_code == 200 and found.json()["number"] == number
    for wrong in (
        {"number": number, "email": "b@example.com"},
        {"number": "TL-22222222", "email": "asha@example.com"},
    ):
        response = _post(visitor, "/api/orders/lookup/", wrong)
        assert response.status_code == 404
        assert response.json() == {
            "detail": "We could not find an order with that number and e-mail address."
        }


def test_the_schema_documents_the_cart_and_checkout_endpoints(client):
    schema = client.get("/api/schema/", headers={"Accept": "application/json"}).content.decode()
    for path in (
        "/api/cart/",
        "/api/cart/lines/",
        "/api/cart/lines/{line_id}/update/",
        "/api/cart/lines/{line_id}/remove/",
        "/api/checkout/",
        "/api/orders/lookup/",
    ):
        assert f"{path}:" in schema or f'"{path}"' in schema, path
    assert "checkout_token" in schema and "CartLine" in schema


def test_order_lookups_are_rate_limited_per_address(client, settings):
    settings.SHOP_ORDER_LOOKUP_RATE_PER_MINUTE = 3
    guess = {"number": "TL-22222222", "email": "asha@example.com"}
    # No session yet: the address's limit, three times a session's.
    statuses = [_post(client, "/api/orders/lookup/", guess).status_code for _ in range(10)]
    assert statuses == [404] * 9 + [429]
    refused = _post(client, "/api/orders/lookup/", guess)
    assert int(refused["Retry-After"]) >= 1
    assert "Too many order lookups" in refused.json()["detail"]
    # The page and the API count together: a guesser cannot switch to the form.
    page = client.post("/orders/status/", guess)
    assert page.status_code == 429 and "Too many order lookups" in page.content.decode()
    assert int(page["Retry-After"]) >= 1
