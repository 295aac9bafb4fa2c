from __future__ import annotations

import pytest
from django.test import RequestFactory

from shop.clients import client_address


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "6.6.6.6", "10.0.0.1"),  # no proxies: the header is the client's own words
        (1, "6.6.6.6, 203.0.113.7", "203.0.113.7"),  # a spoofed entry left of ours
        (2, "203.0.113.7, 10.0.0.9", "203.0.113.7"),
        (2, "203.0.113.7", "10.0.0.1"),  # fewer hops than configured: the peer
    ],
)
def test_the_client_address_trusts_only_our_own_proxies(
    settings, proxies: int, forwarded: str, expected: str
) -> None:
    settings.SHOP_TRUSTED_PROXIES = proxies
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == expected
