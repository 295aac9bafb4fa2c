"""Razorpay, the online payment provider: the one module that talks to it.

The official SDK's client is built once from settings (``RAZORPAY_KEY_ID``,
``RAZORPAY_KEY_SECRET``) and every call goes through its ``requests`` session with a
timeout. Whatever goes wrong on the way (no keys, the network, Razorpay refusing) is a
``GatewayError`` with a message fit for the shopper or the staff; signatures that do not
verify are ``False``, never an exception.
"""

from __future__ import annotations

import functools
from decimal import Decimal
from typing import Any

from django.conf import settings

from shop.orders.exceptions import OrderError

PAISE = 100


class GatewayError(OrderError):
    """Razorpay could not be reached or refused the request."""

    def __init__(self, message: str, *, status: int = 502) -> None:
        super().__init__(message, status=status)


def configured() -> bool:
    """Whether online payment can be offered: both API keys and the webhook secret."""
    return bool(
        settings.RAZORPAY_KEY_ID
        and settings.RAZORPAY_KEY_SECRET
        and settings.RAZORPAY_WEBHOOK_SECRET
    )


@functools.cache
def _client(key_id: str, key_secret: str) -> Any:
    import razorpay

    client = razorpay.Client(auth=(key_id, key_secret))
    client.set_app_details({"title": "Threadline", "version": "1"})
    return client


def client() -> Any:
    if not configured():
        raise GatewayError("Online payment is not available right now.", status=503)
    # Keyed by the keys: a test (or a key rotation in settings) gets its own client.
    return _client(settings.RAZORPAY_KEY_ID, settings.RAZORPAY_KEY_SECRET)


def to_paise(amount: Decimal) -> int:
    """Razorpay counts in the currency's smallest unit: ₹1,299.50 → 129950."""
    return int((Decimal(amount) * PAISE).to_integral_value())


def _call(what: str, function: Any, *args: Any) -> dict[str, Any]:
    import razorpay.errors
    import requests

    try:
        return function(*args, timeout=settings.RAZORPAY_TIMEOUT_S)
    except (razorpay.errors.BadRequestError, razorpay.errors.GatewayError) as error:
        raise GatewayError(f"Razorpay refused to {what}: {error}", status=402) from error
    except (razorpay.errors.ServerError, requests.RequestException, ValueError) as error:
        # ValueError: a body that is not JSON (a proxy's error page).
        raise GatewayError(f"Razorpay could not {what} just now; please try again.") from error


def order_find(*, receipt: str) -> dict[str, Any] | None:
    """Razorpay's order with this receipt, if one was made (a retry after a lost answer)."""
    found = _call("start the payment", client().order.all, {"receipt": receipt})
    items = [item for item in found.get("items", []) if item.get("receipt") == receipt]
    return items[0] if items else None


def order_create(*, amount: Decimal, currency: str, receipt: str) -> dict[str, Any]:
    data = {"amount": to_paise(amount), "currency": currency, "receipt": receipt}
    return _call("start the payment", client().order.create, data)


def order_captured_payment(*, order_id: str) -> dict[str, Any] | None:
    """The captured payment of Razorpay's order, if any (a webhook may have been lost)."""
    found = _call("check the payment", client().order.payments, order_id)
    captured = [item for item in found.get("items", []) if item.get("status") == "captured"]
    return captured[0] if captured else None


def payment_refund(*, payment_id: str, amount: Decimal, receipt: str) -> dict[str, Any]:
    data = {"amount": to_paise(amount), "receipt": receipt, "speed": "normal"}
    return _call("refund the payment", client().payment.refund, payment_id, data)


def payment_signature_valid(*, order_id: str, payment_id: str, signature: str) -> bool:
    """The Checkout callback's signature: HMAC of order and payment id with the key secret."""
    import razorpay.errors

    try:
        return client().utility.verify_payment_signature(
            {
                "razorpay_order_id": order_id,
                "razorpay_payment_id": payment_id,
                "razorpay_signature": signature,
            }
        )
    except (razorpay.errors.SignatureVerificationError, TypeError):
        # TypeError: hmac.compare_digest refuses a non-ASCII signature.
        return False


def webhook_signature_valid(*, body: bytes, signature: str) -> bool:
    """``X-Razorpay-Signature``: HMAC-SHA256 of the raw body with the webhook secret."""
    import razorpay.errors

    if not configured():
        return False
    try:
        text = body.decode("utf-8")
        return client().utility.verify_webhook_signature(
            text, signature, settings.RAZORPAY_WEBHOOK_SECRET
        )
    except (razorpay.errors.SignatureVerificationError, TypeError, UnicodeDecodeError):
        return False
