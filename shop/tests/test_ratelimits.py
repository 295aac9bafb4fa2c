from __future__ import annotations

import base64
import threading

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.urls import reverse
from rest_framework.test import APIClient

from shop import ratelimits
from shop.models import RateLimit

pytestmark = pytest.mark.django_db

ASK = reverse("assistant:ask")
HTMX = {"HTTP_HX_REQUEST": "true"}


def _allowed(limits, now=1000.0) -> bool:
    try:
        ratelimits.rate_limit_hit(limits=limits, now=now)
    except ratelimits.RateLimited:
        return False
    return True


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_never_overshoot_the_limit():
    accepted = []
    start = threading.Barrier(16)

    def ask() -> None:
        try:
            start.wait()
            accepted.append(_allowed([("race:ip:a", 5)]))
        finally:
            connection.close()

    threads = [threading.Thread(target=ask) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert accepted.count(True) == 5
    assert accepted.count(False) == 11


def test_ipv6_addresses_count_by_their_64_block():
    assert ratelimits.address_key("2001:db8:1:2:aaaa::1") == "2001:db8:1:2::/64"
    assert ratelimits.address_key("::ffff:10.0.0.1") == "10.0.0.1"
    assert ratelimits.address_key("10.0.0.1") == "10.0.0.1"
    for host in range(3):
        ratelimits.client_rate_limit(
            scope="t", session="", address=f"2001:db8:1:2::{host + 1}", per_minute=1, now=1000
        )

    with pytest.raises(ratelimits.RateLimited):
        ratelimits.client_rate_limit(
            scope="t", session="", address="2001:db8:1:2:ffff::9", per_minute=1, now=1001
        )
    ratelimits.client_rate_limit(
        scope="t", session="", address="2001:db8:1:3::1", per_minute=1, now=1001
    )


def test_an_over_long_session_key_is_counted_not_dropped():
    session = "x" * 10_000
    ratelimits.client_rate_limit(scope="t", session=session, address="a", per_minute=1, now=1000)

    with pytest.raises(ratelimits.RateLimited) as limited:
        ratelimits.client_rate_limit(
            scope="t", session=session, address="b", per_minute=1, now=1010
        )
    assert limited.value.retry_after == 50


def test_windows_survive_many_other_clients():
    _allowed([("t:ip:limited", 1)])
    for client in range(400):
        _allowed([(f"t:ip:{client}", 1)])

    assert not _allowed([("t:ip:limited", 1)], now=1030.0)


def test_expired_windows_are_pruned_and_live_ones_kept():
    _allowed([("t:ip:old", 1)], now=1000.0)
    _allowed([("t:ip:new", 1)], now=1050.0)

    assert ratelimits.rate_limits_prune(now=1070.0) == 1
    assert RateLimit.objects.count() == 1


def test_the_api_is_throttled_per_address_with_retry_after(settings):
    settings.SHOP_API_RATE_PER_MINUTE = 2
    api = APIClient()
    for _ in range(2):
        assert api.get("/api/products/").status_code == 200

    response = api.get("/api/products/")

    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert api.get("/api/products/", REMOTE_ADDR="10.9.9.9").status_code == 200


def test_the_api_ignores_basic_authentication():
    User.objects.create_user("staff", password="right-password", is_staff=True)
    wrong = base64.b64encode(b"staff:wrong-password").decode()

    # With Basic authentication on, a wrong password is a 401/403: a password oracle.
    response = APIClient().get("/api/products/", HTTP_AUTHORIZATION=f"Basic {wrong}")

    assert response.status_code == 200


def test_the_assistant_answers_429_with_retry_after(client, settings):
    settings.SHOP_ASSISTANT_RATE_PER_MINUTE = 1
    assert client.post(ASK, {"message": "a watch"}, **HTMX).status_code == 200

    response = client.post(ASK, {"message": "a watch"}, **HTMX)

    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60


def test_a_new_sessions_first_ask_counts_against_the_session(client, settings):
    settings.SHOP_ASSISTANT_RATE_PER_MINUTE = 1
    assert client.post(ASK, {"message": "a watch"}, **HTMX).status_code == 200
    assert client.cookies.get("sessionid")

    # Another address, so only the session's own limit (1) can refuse it.
    response = client.post(ASK, {"message": "a watch"}, REMOTE_ADDR="10.7.7.7", **HTMX)

    assert response.status_code == 429
