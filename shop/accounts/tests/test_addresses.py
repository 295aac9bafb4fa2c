"""Saved addresses, and the default one prefilling checkout."""

from __future__ import annotations

import pytest
from django.urls import reverse

from shop.accounts import services
from shop.accounts.exceptions import AccountError
from shop.accounts.models import Address
from shop.accounts.tests.conftest import shopper_make
from shop.cart.tests.factories import product_make

pytestmark = pytest.mark.django_db

FORM = {
    "name": "Meera Iyer",
    "line1": "7 Park Street",
    "line2": "",
    "city": "Kolkata",
    "state": "West Bengal",
    "postcode": "700016",
    "phone": "098300 12345",
}


def _address(user, **changes) -> Address:
    # As the form cleans it: the mobile number normalised.
    return services.address_save(user=user, data={**FORM, "phone": "+919830012345", **changes})


def test_the_first_address_becomes_the_default(shopper) -> None:
    first = _address(shopper)
    second = _address(shopper, line1="9 Lake Road")
    assert first.is_default and not second.is_default


def test_making_another_address_the_default_unmarks_the_old_one(shopper) -> None:
    first = _address(shopper)
    second = _address(shopper, line1="9 Lake Road", is_default=True)
    first.refresh_from_db()
    assert second.is_default and not first.is_default
    assert Address.objects.filter(user=shopper, is_default=True).count() == 1


def test_deleting_the_default_promotes_the_newest_other_address(shopper) -> None:
    first = _address(shopper)
    _address(shopper, line1="9 Lake Road")
    newest = _address(shopper, line1="3 Hill View")
    services.address_delete(user=shopper, address_id=first.pk)
    newest.refresh_from_db()
    assert newest.is_default


def test_a_shopper_cannot_touch_another_shoppers_address(shopper) -> None:
    other = shopper_make("kiran@example.com")
    theirs = _address(other)
    with pytest.raises(AccountError):
        services.address_delete(user=shopper, address_id=theirs.pk)
    with pytest.raises(AccountError):
        services.address_save(user=shopper, data=FORM, address_id=theirs.pk)
    assert Address.objects.filter(pk=theirs.pk, line1="7 Park Street").exists()


def test_the_address_form_checks_pin_and_mobile_like_checkout(client, shopper) -> None:
    client.force_login(shopper)
    response = client.post(
        reverse("accounts:address_create"), {**FORM, "postcode": "012345", "phone": "12345"}
    )
    assert response.status_code == 400
    assert b"6-digit PIN code" in response.content
    assert b"10-digit Indian mobile number" in response.content
    assert not Address.objects.exists()


def test_adding_and_editing_an_address_through_the_pages(client, shopper) -> None:
    client.force_login(shopper)
    response = client.post(reverse("accounts:address_create"), FORM)
    assert response.status_code == 302
    address = Address.objects.get(user=shopper)
    assert address.phone == "+919830012345" and address.is_default
    client.post(reverse("accounts:address_edit", args=[address.pk]), {**FORM, "city": "Howrah"})
    address.refresh_from_db()
    assert address.city == "Howrah"
    page = client.get(reverse("accounts:addresses"))
    assert b"Howrah" in page.content


def test_someone_elses_address_page_is_not_found(client, shopper) -> None:
    theirs = _address(shopper_make("kiran@example.com"))
    client.force_login(shopper)
    assert client.get(reverse("accounts:address_edit", args=[theirs.pk])).status_code == 404
    response = client.post(reverse("accounts:address_delete", args=[theirs.pk]))
    assert response.status_code == 302
    assert Address.objects.filter(pk=theirs.pk).exists()


def test_checkout_is_prefilled_with_the_default_address(client, shopper) -> None:
    _address(shopper, line1="9 Lake Road")
    _address(shopper, is_default=True)
    product = product_make()
    client.force_login(shopper)
    client.post(
        reverse("cart:line_add"),
        {"product": product.pk, "variant": product.variants.get(size="M").pk, "quantity": 1},
    )
    form = client.get(reverse("orders:checkout")).context["form"]
    assert form["line1"].value() == "7 Park Street"
    assert form["state"].value() == "West Bengal"
    assert form["phone"].value() == "+919830012345"
    assert form["email"].value() == "meera@example.com"


def test_checkout_for_a_guest_is_not_prefilled(client) -> None:
    product = product_make()
    client.post(
        reverse("cart:line_add"),
        {"product": product.pk, "variant": product.variants.get(size="M").pk, "quantity": 1},
    )
    form = client.get(reverse("orders:checkout")).context["form"]
    assert not form["line1"].value()
