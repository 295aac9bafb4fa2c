"""Sign-up, verification, log in/out, password reset and the guards around them."""

from __future__ import annotations

import re
from urllib.parse import urlparse

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from shop.accounts.tests.conftest import PASSWORD, account_emails_deliver, link_in, shopper_make
from shop.cart.models import Cart
from shop.cart.tests.factories import product_make

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    # allauth counts attempts in the shared cache; each test starts with none.
    cache.clear()
    yield
    cache.clear()


def _without_csrf(page: bytes) -> bytes:
    # The CSRF token is masked afresh on every page: the only difference allowed.
    return re.sub(rb"[A-Za-z0-9]{64}", b"", page)


def _signup(client, email: str = "asha@example.com"):
    return client.post(
        reverse("account_signup"),
        {"email": email, "password1": PASSWORD, "password2": PASSWORD},
    )


def _login(client, email: str = "meera@example.com", password: str = PASSWORD, **extra):
    return client.post(reverse("account_login"), {"login": email, "password": password, **extra})


def test_sign_up_queues_the_verification_email_as_a_job_and_the_link_verifies(client) -> None:
    response = _signup(client)
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert mail.outbox == []  # queued as a job, not sent inside the request
    assert not User.objects.get(email="asha@example.com").emailaddress_set.get().verified

    [message] = account_emails_deliver()
    assert message.to == ["asha@example.com"]
    assert message.subject.startswith("Threadline: ")
    confirm = client.get(urlparse(link_in(message, "/accounts/confirm-email/")).path)
    assert confirm.status_code == 200
    response = client.post(urlparse(link_in(message, "/accounts/confirm-email/")).path)
    assert response.status_code == 302
    assert User.objects.get(email="asha@example.com").emailaddress_set.get().verified


def test_an_unverified_shopper_cannot_log_in_until_the_email_is_verified(client) -> None:
    shopper_make("ravi@example.com", verified=False)
    response = _login(client, "ravi@example.com")
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session


def test_log_in_and_out_with_email_and_password(client, shopper) -> None:
    response = _login(client)
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:overview")
    assert client.session["_auth_user_id"] == str(shopper.pk)
    page = client.get(reverse("accounts:overview"))
    assert b"meera@example.com" in page.content
    assert list(page.context["messages"]) == []  # no stray "signed in" on a later page

    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_logging_out_by_a_plain_link_does_not_log_out(client, shopper) -> None:
    client.force_login(shopper)
    client.get(reverse("account_logout"))  # a GET shows the confirmation form only
    assert client.session["_auth_user_id"] == str(shopper.pk)


def test_account_pages_send_a_guest_to_the_login_page(client) -> None:
    response = client.get(reverse("accounts:orders"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login") + "?next=")


def test_the_session_key_changes_at_login(client, shopper) -> None:
    client.get(reverse("account_login"))
    client.session.save()
    before = client.session.session_key
    assert before
    _login(client)
    assert client.session.session_key != before


def test_the_cart_survives_login_through_allauth(client, shopper) -> None:
    """The cart's user_logged_in merge is wired to allauth's login: guest items stay."""
    product = product_make()
    mine = Cart.objects.create(user=shopper)
    mine.lines.create(variant=product.variants.get(size="S"), quantity=1)
    client.post(
        reverse("cart:line_add"),
        {"product": product.pk, "variant": product.variants.get(size="M").pk, "quantity": 2},
    )
    _login(client)
    lines = {
        line.variant.size: line.quantity for line in Cart.objects.get(user=shopper).lines.all()
    }
    assert lines == {"S": 1, "M": 2}
    assert Cart.objects.count() == 1


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example/", "/\\evil.example/", "https:evil.example"],
)
def test_login_refuses_to_redirect_off_site(client, shopper, target: str) -> None:
    response = _login(client, next=target)
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:overview")


def test_login_follows_a_next_path_on_this_site(client, shopper) -> None:
    response = _login(client, next="/wishlist/")
    assert response["Location"] == "/wishlist/"


def test_sign_up_says_the_same_for_a_taken_and_a_new_address(client, shopper) -> None:
    taken = _signup(client, "meera@example.com")
    fresh = _signup(client, "new@example.com")
    assert (taken.status_code, taken["Location"]) == (fresh.status_code, fresh["Location"])
    assert User.objects.filter(email="meera@example.com").count() == 1
    sent = {m.to[0]: m for m in account_emails_deliver()}
    # The owner of the taken address is told instead: no one learns it from the page.
    assert "already" in sent["meera@example.com"].body.lower()
    assert "/accounts/confirm-email/" in sent["new@example.com"].body


def test_password_reset_says_the_same_for_a_known_and_an_unknown_address(client, shopper) -> None:
    known = client.post(reverse("account_reset_password"), {"email": "meera@example.com"})
    unknown = client.post(reverse("account_reset_password"), {"email": "nobody@example.com"})
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert _without_csrf(client.get(known["Location"]).content) == _without_csrf(
        client.get(unknown["Location"]).content
    )


def test_password_reset_by_the_emailed_link_sets_a_new_password(client, shopper) -> None:
    client.post(reverse("account_reset_password"), {"email": "meera@example.com"})
    [message] = account_emails_deliver()
    link = urlparse(link_in(message, "/accounts/password/reset/key/")).path
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    action = form_page.redirect_chain[-1][0] if form_page.redirect_chain else link
    response = client.post(action, {"password1": "new-pass-8812x", "password2": "new-pass-8812x"})
    assert response.status_code == 302
    shopper.refresh_from_db()
    assert shopper.check_password("new-pass-8812x")


def test_changing_the_password_keeps_the_shopper_logged_in(client, shopper) -> None:
    client.force_login(shopper)
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": "new-pass-8812x", "password2": "new-pass-8812x"},
    )
    assert response.status_code == 302
    shopper.refresh_from_db()
    assert shopper.check_password("new-pass-8812x")
    assert client.get(reverse("accounts:overview")).status_code == 200


def test_changing_the_email_verifies_the_new_address_first(client, shopper) -> None:
    client.force_login(shopper)
    response = client.post(reverse("account_email"), {"action_add": "", "email": "m2@example.com"})
    assert response.status_code == 302
    [message] = account_emails_deliver()
    assert message.to == ["m2@example.com"]
    shopper.refresh_from_db()
    assert shopper.email == "meera@example.com"  # not until the new one is verified
    client.post(urlparse(link_in(message, "/accounts/confirm-email/")).path)
    shopper.refresh_from_db()
    assert shopper.email == "m2@example.com"


def test_failed_logins_for_one_address_are_rate_limited(client, shopper) -> None:
    for _ in range(5):
        assert _login(client, password="wrong-password").status_code == 200
    response = _login(client)  # even the right password, until the window passes
    assert b"Too many failed login attempts" in response.content
    assert "_auth_user_id" not in client.session


def test_guest_checkout_still_needs_no_account(client) -> None:
    product = product_make()
    client.post(
        reverse("cart:line_add"),
        {"product": product.pk, "variant": product.variants.get(size="M").pk, "quantity": 1},
    )
    assert client.get(reverse("orders:checkout")).status_code == 200


def test_too_many_logins_from_one_address_get_the_shops_429_page(client, shopper, settings) -> None:
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login": "2/m/ip"}
    for _ in range(2):
        _login(client, password="wrong-password")
    response = _login(client)
    assert response.status_code == 429
    assert b"Too many attempts" in response.content
    assert "_auth_user_id" not in client.session


def test_rate_limits_count_the_address_our_proxy_saw(shopper, settings) -> None:
    settings.SHOP_TRUSTED_PROXIES = 1
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login": "1/m/ip"}

    def login_from(address: str) -> int:
        credentials = {"login": shopper.email, "password": PASSWORD}
        headers = {"X-Forwarded-For": address}
        return Client().post(reverse("account_login"), credentials, headers=headers).status_code

    assert login_from("203.0.113.7") == 302
    # Another shopper behind the same proxy (the same socket address) is not limited...
    assert login_from("198.51.100.9") == 302
    # ...but the same address again is.
    assert login_from("198.51.100.9") == 429
