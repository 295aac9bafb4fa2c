"""A cross-site form cannot change a shopper's state through the JSON API."""

from __future__ import annotations

import pytest
from django.middleware.csrf import get_token
from django.test import Client, RequestFactory

from shop.assistant.models import Conversation
from shop.cart.models import CartLine
from shop.cart.tests.factories import product_make, variant_of

pytestmark = pytest.mark.django_db

FOREIGN = {"Origin": "https://evil.example"}


@pytest.fixture
def shopper() -> Client:
    """A browser with a session holding one cart line; CSRF checked as in production."""
    client = Client(enforce_csrf_checks=True)
    product = product_make()
    body = {"product": product.pk, "variant": variant_of(product, "M").pk, "quantity": 1}
    added = client.post("/api/cart/lines/", body, content_type="application/json")
    assert added.status_code == 201
    return client


def _line_id() -> int:
    return CartLine.objects.get().pk


@pytest.mark.parametrize(
    "form",
    [
        {},
        {"data": {"quantity": "3"}},
        {"data": {"quantity": "3"}, "content_type": "text/plain"},
        {"data": "quantity=3", "content_type": "application/x-www-form-urlencoded"},
    ],
)
def test_a_cross_site_form_post_to_the_cart_api_is_refused(shopper, form):
    line_id = _line_id()
    for url in (f"/api/cart/lines/{line_id}/remove/", f"/api/cart/lines/{line_id}/update/"):
        response = shopper.post(url, headers=FOREIGN, **form)
        assert response.status_code == 403, url
        assert response.json()["detail"].startswith("CSRF Failed")
    assert CartLine.objects.get().quantity == 1


def test_json_or_a_csrf_token_still_changes_the_cart(shopper):
    line_id = _line_id()
    response = shopper.post(
        f"/api/cart/lines/{line_id}/update/", {"quantity": 2}, content_type="application/json"
    )
    assert response.status_code == 200
    request = RequestFactory().get("/")
    token = get_token(request)
    shopper.cookies["csrftoken"] = request.META["CSRF_COOKIE"]
    removed = shopper.post(f"/api/cart/lines/{line_id}/remove/", headers={"X-CSRFToken": token})
    assert removed.status_code == 200
    assert not CartLine.objects.exists()


def test_a_cross_site_form_post_to_the_assistant_api_is_refused(shopper):
    response = shopper.post("/api/assistant/", {"message": "buy a red kurta"}, headers=FOREIGN)
    assert response.status_code == 403
    assert not Conversation.objects.exists()


def test_a_client_without_cookies_may_still_post_a_form():
    # Nothing of a shopper's rides on it: API clients upload photos as multipart.
    client = Client(enforce_csrf_checks=True)
    product = product_make()
    response = client.post(
        "/api/cart/lines/", {"product": product.pk, "variant": variant_of(product, "M").pk}
    )
    assert response.status_code == 415  # JSON only, as before: not a CSRF refusal
