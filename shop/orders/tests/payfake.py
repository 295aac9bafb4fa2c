"""Razorpay at the HTTP boundary: test keys, and its API answered from recorded JSON
(tests/fixtures/razorpay) by ``responses``, which also refuses any request not
registered: nothing here reaches the network."""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path

import pytest
import responses

KEY_ID = "rzp_test_1DP5mmOlF5G5ag"
KEY_SECRET = "threadline-test-key-secret"
WEBHOOK_SECRET = "threadline-test-webhook-secret"
API = "https://api.razorpay.com/v1"
FIXTURES = Path(__file__).parent / "fixtures" / "razorpay"
RAZORPAY_ORDER = "order_NzV1VvYw3x8kQa"
RAZORPAY_PAYMENT = "pay_NzV2QmX4pD7rTs"


def recorded(name: str, *, receipt: str = "") -> dict:
    """A recorded Razorpay body, with our order number as its receipt."""
    return json.loads((FIXTURES / f"{name}.json").read_text().replace("RECEIPT", receipt))


def webhook_body(name: str, *, receipt: str = "") -> bytes:
    return json.dumps(recorded(name, receipt=receipt)).encode()


def hmac_hex(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def webhook_signature(body: bytes) -> str:
    return hmac_hex(WEBHOOK_SECRET, body)


def checkout_signature(order_id: str, payment_id: str) -> str:
    """What Razorpay's Checkout hands the shopper's browser: HMAC of order|payment."""
    return hmac_hex(KEY_SECRET, f"{order_id}|{payment_id}".encode())


@pytest.fixture
def razorpay(settings):
    """Razorpay's keys set, and its API replaced by a ``responses`` mock to register on."""
    settings.RAZORPAY_KEY_ID = KEY_ID
    settings.RAZORPAY_KEY_SECRET = KEY_SECRET
    settings.RAZORPAY_WEBHOOK_SECRET = WEBHOOK_SECRET
    with responses.RequestsMock(assert_all_requests_are_fired=True) as api:
        yield api


def razorpay_order_registered(api: responses.RequestsMock, *, receipt: str) -> None:
    """Razorpay has no order with this receipt yet, and makes one when asked."""
    api.get(
        f"{API}/orders",
        json=recorded("orders_none"),
        match=[responses.matchers.query_param_matcher({"receipt": receipt})],
    )
    api.post(f"{API}/orders", json=recorded("order_created", receipt=receipt))
