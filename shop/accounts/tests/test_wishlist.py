"""The wishlist: saved from product pages with or without JavaScript, kept in the
session for a guest and merged into the account at login."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse

from shop.accounts.models import WishlistItem
from shop.accounts.tests.conftest import PASSWORD
from shop.cart.tests.factories import product_make

pytestmark = pytest.mark.django_db


def _save(client, product, variant: str = "", *, next: str = "", htmx: bool = False):
    headers = {"HX-Request": "true"} if htmx else {}
    data = {"product": product.pk, "variant": variant, "next": next}
    return client.post(reverse("accounts:wishlist_add"), data, headers=headers)


def _page_products(client) -> list[tuple[str, str]]:
    items = client.get(reverse("accounts:wishlist")).context["items"]
    return [(item.product.name, item.variant.size if item.variant else "any") for item in items]


def test_a_guest_saves_a_product_without_javascript_and_goes_back(client) -> None:
    product = product_make()
    response = _save(client, product, next="/?q=kurta")
    assert response.status_code == 302 and response["Location"] == "/?q=kurta"
    assert _page_products(client) == [(product.name, "any")]


def test_saving_refuses_to_send_the_shopper_off_site(client) -> None:
    product = product_make()
    response = _save(client, product, next="https://evil.example/")
    assert response["Location"] == product.get_absolute_url()


def test_with_htmx_the_button_comes_back_saved(client) -> None:
    product = product_make()
    response = _save(client, product, htmx=True)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'aria-pressed="true"' in body and "Saved to your wishlist." in body
    assert reverse("accounts:wishlist_remove") in body


def test_a_size_is_optional_and_each_size_is_saved_once(client, shopper) -> None:
    product = product_make()
    size_m = str(product.variants.get(size="M").pk)
    client.force_login(shopper)
    _save(client, product)
    _save(client, product, size_m)
    _save(client, product, size_m)
    _save(client, product, "any")
    assert WishlistItem.objects.filter(user=shopper).count() == 2
    assert sorted(_page_products(client)) == [(product.name, "M"), (product.name, "any")]


def test_the_remove_button_on_the_wishlist_page_removes_that_size_only(client, shopper) -> None:
    product = product_make()
    size_m = str(product.variants.get(size="M").pk)
    client.force_login(shopper)
    _save(client, product)
    _save(client, product, size_m)
    client.post(reverse("accounts:wishlist_remove"), {"product": product.pk, "variant": "any"})
    assert _page_products(client) == [(product.name, "M")]


def test_the_heart_on_a_saved_product_removes_every_size(client) -> None:
    product = product_make()
    _save(client, product)
    _save(client, product, str(product.variants.get(size="S").pk))
    client.post(reverse("accounts:wishlist_remove"), {"product": product.pk})
    assert _page_products(client) == []


def test_a_size_of_another_product_or_a_missing_product_is_refused(client) -> None:
    product, other = product_make(), product_make(name="Test Cotton Shirt")
    response = _save(client, product, str(other.variants.first().pk), htmx=True)
    assert response.status_code == 400 and b"That size does not exist" in response.content
    missing = client.post(
        reverse("accounts:wishlist_add"), {"product": 99_999_999}, headers={"HX-Request": "true"}
    )
    assert missing.status_code == 404
    assert _page_products(client) == []


def test_a_guests_wishlist_joins_the_account_at_login(client, shopper) -> None:
    cache.clear()  # allauth's login rate limits
    kept, both = product_make(), product_make(name="Test Cotton Shirt")
    WishlistItem.objects.create(user=shopper, product=both)
    _save(client, kept, str(kept.variants.get(size="L").pk))
    _save(client, both)
    client.post(reverse("account_login"), {"login": shopper.email, "password": PASSWORD})
    assert sorted(_page_products(client)) == [(both.name, "any"), (kept.name, "L")]
    assert WishlistItem.objects.filter(user=shopper).count() == 2
    assert "wishlist" not in client.session


def test_the_product_page_has_the_wishlist_button_with_an_optional_size(client) -> None:
    product = product_make()
    page = client.get(product.get_absolute_url()).content.decode()
    assert 'data-testid="wishlist-button"' in page
    assert '<option value="any">Any size</option>' in page


def test_a_saved_product_shows_as_saved_on_its_page(client) -> None:
    product = product_make()
    _save(client, product)
    page = client.get(product.get_absolute_url()).content.decode()
    assert 'aria-pressed="true"' in page
