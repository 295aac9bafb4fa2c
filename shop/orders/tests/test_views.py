from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client
from procrastinate.contrib.django.models import ProcrastinateJob

from shop.cart.models import CartLine
from shop.cart.tests.factories import product_make, variant_of
from shop.catalog.models import ProductVariant
from shop.orders.models import Order
from shop.orders.tests.helpers import CHECKOUT_FORM

pytestmark = pytest.mark.django_db


def _fill_cart(client: Client, product, size: str = "M", quantity: int = 1) -> None:
    data = {"product": product.pk, "variant": variant_of(product, size).pk, "quantity": quantity}
    assert client.post("/cart/add/", data).status_code == 302


def _hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, f"no {name} on the page"
    return match.group(1)


def _checkout_form(client: Client, **changes: str) -> dict[str, str]:
    html = client.get("/checkout/").content.decode()
    return {
        **CHECKOUT_FORM,
        "checkout_token": _hidden(html, "checkout_token"),
        "cart_fingerprint": _hidden(html, "cart_fingerprint"),
        **changes,
    }


def test_checkout_with_an_empty_cart_goes_back_to_the_cart(client):
    response = client.get("/checkout/")
    assert response.status_code == 302 and response["Location"] == "/cart/"


def test_checkout_with_cash_on_delivery_shows_a_confirmation(client):
    product = product_make(price="1299.00", stock=2)
    _fill_cart(client, product, quantity=2)
    page = client.get("/checkout/").content.decode()
    assert "Cash on delivery" in page and "₹2,598" in page

    response = client.post("/checkout/", _checkout_form(client))

    order = Order.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/orders/{order.number}/"
    html = client.get(response["Location"]).content.decode()
    assert order.number in html
    assert "Please have ₹2,598 ready in cash for the courier." in html
    assert (order.phone, order.postcode, order.payment_method) == ("+919876543210", "560001", "cod")
    assert variant_of(product, "M").stock == 0
    # The confirmation e-mail is a queued job (shop/orders/tasks.py), not sent in the request.
    assert ProcrastinateJob.objects.filter(args={"order_id": order.pk}).count() == 1
    assert mail.outbox == []
    assert re.search(r'id="mini-cart"[^>]*>.*?<span class="count">0<', html, re.S)


def test_a_confirmation_page_is_only_shown_to_the_browser_that_ordered(client):
    _fill_cart(client, product_make())
    client.post("/checkout/", _checkout_form(client))
    number = Order.objects.get().number
    assert Client().get(f"/orders/{number}/").status_code == 404
    assert client.get("/orders/TL-NOTREAL1/").status_code == 404


def test_a_double_submitted_checkout_makes_one_order(client):
    product = product_make(stock=5)
    _fill_cart(client, product)
    form = _checkout_form(client)
    first = client.post("/checkout/", form)
    second = client.post("/checkout/", form)
    assert first["Location"] == second["Location"]
    assert Order.objects.count() == 1
    assert variant_of(product, "M").stock == 4


def test_another_browser_posting_the_same_checkout_token_gets_a_409_and_no_order(client):
    _fill_cart(client, product_make())
    form = _checkout_form(client)
    client.post("/checkout/", form)
    number = Order.objects.get().number
    stranger = Client()
    _fill_cart(stranger, product_make())
    response = stranger.post("/checkout/", form)
    assert response.status_code == 409
    assert "This checkout was already submitted." in response.content.decode()
    assert stranger.get(f"/orders/{number}/").status_code == 404
    assert Order.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("postcode", "56001", "Enter a 6-digit PIN code"),
        ("postcode", "060001", "Enter a 6-digit PIN code (it does not start with 0)."),
        ("postcode", "56000A", "Enter a 6-digit PIN code"),
        ("phone", "12345", "Enter a 10-digit Indian mobile number."),
        ("email", "not-an-email", "Enter a valid email address."),
        ("state", "Atlantis", "Select a valid choice."),
        ("delivery_method", "drone", "Select a valid choice."),
        ("payment_method", "card", "Select a valid choice."),
        ("checkout_token", "x", "This checkout page is out of date; please reload it."),
        ("name", "", "This field is required."),
    ],
)
def test_bad_checkout_details_get_form_errors(client, field, value, message):
    _fill_cart(client, product_make())
    response = client.post("/checkout/", _checkout_form(client, **{field: value}))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Order.objects.exists()


def test_phone_numbers_are_accepted_in_the_usual_spellings(client):
    for spelling in ("+91 98765-43210", "098765 43210", "(987) 654 3210"):
        other = Client()
        _fill_cart(other, product_make())
        assert other.post("/checkout/", _checkout_form(other, phone=spelling)).status_code == 302
    assert set(Order.objects.values_list("phone", flat=True)) == {"+919876543210"}


def test_out_of_stock_between_cart_and_checkout_is_a_clear_409(client):
    product = product_make(stock=2)
    _fill_cart(client, product, quantity=2)
    form = _checkout_form(client)
    ProductVariant.objects.filter(product=product).update(stock=1)
    response = client.post("/checkout/", form)
    assert response.status_code == 409
    assert "Only 1 of Test Linen Kurta (size M) left" in response.content.decode()
    assert not Order.objects.exists()
    assert CartLine.objects.get().quantity == 2


def test_a_cart_changed_in_another_tab_is_refused_then_accepted_as_shown(client):
    product = product_make(price="500.00")
    _fill_cart(client, product)
    form = _checkout_form(client)
    _fill_cart(client, product)  # another tab adds one more
    response = client.post("/checkout/", form)
    assert response.status_code == 409
    html = response.content.decode()
    assert "Your cart changed since you opened checkout" in html
    assert "₹1,000" in html
    retry = {**form, "cart_fingerprint": _hidden(html, "cart_fingerprint")}
    assert client.post("/checkout/", retry).status_code == 302
    assert Order.objects.get().subtotal == 1000


def test_checking_out_an_emptied_cart_is_a_400(client):
    _fill_cart(client, product_make())
    form = _checkout_form(client)
    CartLine.objects.all().delete()
    response = client.post("/checkout/", form)
    assert response.status_code == 400
    assert "Your cart is empty." in response.content.decode()


def test_the_checkout_form_needs_a_csrf_token():
    client = Client(enforce_csrf_checks=True)
    assert client.post("/checkout/", CHECKOUT_FORM).status_code == 403
    assert client.post("/orders/status/", {"number": "x", "email": "a@b.c"}).status_code == 403


def test_the_status_page_finds_an_order_by_number_and_email_only(client):
    _fill_cart(client, product_make())
    client.post("/checkout/", _checkout_form(client))
    order = Order.objects.get()
    visitor = Client()

    found = visitor.post(
        "/orders/status/", {"number": order.number.lower(), "email": "ASHA@example.com"}
    )
    assert found.status_code == 200
    assert re.search(r'data-testid="status">Placed<', found.content.decode())

    wrong_email = visitor.post(
        "/orders/status/", {"number": order.number, "email": "x@example.com"}
    )
    wrong_number = visitor.post("/orders/status/", {"number": "TL-AAAAAAAA", "email": order.email})
    assert wrong_email.status_code == wrong_number.status_code == 404
    message = "We could not find an order with that number and e-mail address."
    assert message in wrong_email.content.decode() and message in wrong_number.content.decode()
    assert order.name not in wrong_email.content.decode()

    assert visitor.post("/orders/status/", {"number": "", "email": "x"}).status_code == 400
