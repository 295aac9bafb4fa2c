"""Online payment (Razorpay) after checkout: start it, verify it, expire it, refund it.

``order_place`` leaves an order paid online "awaiting payment" with its stock taken and
a pending ``Payment``. Only a verified signature places it: the Checkout callback's
(``payment_confirm``) or a webhook's (``webhook_receive``); each webhook event is kept
once (``PaymentEvent.event_id`` is unique), so a redelivery changes nothing. Orders
still waiting after SHOP_PAYMENT_TIMEOUT_MINUTES are cancelled by ``payments_expire``
through ``order_status_change`` (stock back, as any cancellation). A payment that
arrives for an order already cancelled is refunded. Razorpay is never called inside
the checkout transaction or under a stock lock.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from shop.orders import gateway
from shop.orders.exceptions import OrderError
from shop.orders.invoices import invoice_issue
from shop.orders.models import Order, OrderStatus, Payment, PaymentEvent, PaymentStatus
from shop.orders.services import (
    order_confirmation_queue,
    order_status_change,
    payment_refund_queue,
)

logger = logging.getLogger(__name__)

PROVIDER = "razorpay"
NOT_VERIFIED = "We could not verify this payment. If money left your account, it is refunded."
BAD_WEBHOOK = "Bad webhook signature."


@dataclass(frozen=True)
class CheckoutStart:
    """What Razorpay's Checkout needs to open for an order."""

    key_id: str
    provider_order_id: str
    amount_paise: int
    currency: str
    order: Order

    @property
    def expires_at(self) -> datetime:
        return self.order.created_at + timedelta(minutes=settings.SHOP_PAYMENT_TIMEOUT_MINUTES)


def payment_start(*, number: str) -> CheckoutStart:
    """Razorpay's order for ours, made once: a retry (a reload, a lost answer) finds it.

    Its receipt is our order number, so after an answer lost on the way the order is
    looked up at Razorpay before another is made. The payment row is locked for the
    call (only it: the order's row stays free for the expiry and staff): two tabs
    opening the page at once make one Razorpay order.
    """
    with transaction.atomic():
        payment = (
            Payment.objects.select_for_update(of=("self",))
            .select_related("order")
            .filter(order__number=number, provider=PROVIDER)
            .first()
        )
        if payment is None:
            raise OrderError("No such order.", status=404)
        if payment.order.status != OrderStatus.AWAITING_PAYMENT:
            raise OrderError("This order is not waiting for a payment.", status=409)
        if not payment.provider_order_id:
            found = gateway.order_find(receipt=payment.order.number)
            if found is None:
                found = gateway.order_create(
                    amount=payment.amount, currency=payment.currency, receipt=payment.order.number
                )
            if not found.get("id"):
                raise gateway.GatewayError("Razorpay could not start the payment just now.")
            payment.provider_order_id = str(found["id"])
            payment.save(update_fields=["provider_order_id", "updated_at"])
    return CheckoutStart(
        key_id=settings.RAZORPAY_KEY_ID,
        provider_order_id=payment.provider_order_id,
        amount_paise=gateway.to_paise(payment.amount),
        currency=payment.currency,
        order=payment.order,
    )


def payment_confirm(
    *, number: str, provider_order_id: str, payment_id: str, signature: str
) -> Order:
    """The Checkout callback: place the order if Razorpay's signature verifies."""
    payment = Payment.objects.select_related("order").filter(order__number=number).first()
    if payment is None or not payment.provider_order_id:
        raise OrderError("No such payment.", status=404)
    if provider_order_id != payment.provider_order_id or not gateway.payment_signature_valid(
        order_id=provider_order_id, payment_id=payment_id, signature=signature
    ):
        raise OrderError(NOT_VERIFIED, status=400)
    payment_paid(provider_order_id=provider_order_id, payment_id=payment_id)
    return Order.objects.get(pk=payment.order_id)


def payment_paid(
    *, provider_order_id: str, payment_id: str, amount_paise: int | None = None
) -> str:
    """Record a verified payment, once; returns what happened (kept on webhook events).

    The order is locked before its payment, as ``order_status_change`` does: a payment
    and the expiry racing for one order take turns, and whichever comes second sees
    what the first did (paid after cancelling: the money goes back).
    """
    with transaction.atomic():
        order = (
            Order.objects.select_for_update(of=("self",))
            .filter(payment__provider_order_id=provider_order_id)
            .first()
        )
        if order is None:
            return "unknown order"
        payment = Payment.objects.select_for_update().get(order=order)
        if payment.status != PaymentStatus.PENDING:
            return f"already {payment.status}"
        if amount_paise is not None and amount_paise != gateway.to_paise(payment.amount):
            logger.error("Payment %s for %s: amount %s paise", payment_id, order, amount_paise)
            return f"amount {amount_paise} paise does not match the order"
        payment.status = PaymentStatus.PAID
        payment.provider_payment_id = payment_id
        payment.paid_at = timezone.now()
        payment.save(update_fields=["status", "provider_payment_id", "paid_at", "updated_at"])
        placed = order.status == OrderStatus.AWAITING_PAYMENT
        Order.objects.filter(pk=order.pk).update(
            payment_reference=payment_id,
            status=OrderStatus.PLACED if placed else order.status,
            updated_at=timezone.now(),
        )
        if placed:
            # The tax invoice is issued with the payment that places the order, in its
            # transaction, as a cash order's is at checkout (numbered without gaps).
            invoice_issue(order_id=order.pk)
            order_confirmation_queue(order_id=order.pk)
            return "paid"
        # Cancelled meanwhile (it expired): the stock is gone back, so is the money.
        payment_refund_queue(order_id=order.pk)
        return f"paid while {order.status}: refund queued"


def payment_failed(*, provider_order_id: str, reason: str) -> str:
    """A failed attempt: said on the payment; the shopper may try again until expiry."""
    updated = Payment.objects.filter(
        provider_order_id=provider_order_id, status=PaymentStatus.PENDING
    ).update(last_failure=reason[:300], updated_at=timezone.now())
    return "failure recorded" if updated else "no pending payment"


def webhook_receive(*, body: bytes, signature: str, event_id: str = "") -> str:
    """Handle one Razorpay webhook delivery; returns what happened.

    The signature is checked on the raw body before anything is read from it (a bad
    one is an ``OrderError`` 400). The event row and its effect commit together, and
    the event id is unique: the same event again (or twice at once) changes nothing.
    """
    if not signature or not gateway.webhook_signature_valid(body=body, signature=signature):
        raise OrderError(BAD_WEBHOOK, status=400)
    try:
        data = json.loads(body)
        event = str(data["event"])
        payload = data.get("payload") or {}
        if not isinstance(payload, dict):
            raise TypeError
    except (ValueError, KeyError, TypeError, AttributeError):
        raise OrderError("Not a Razorpay event.", status=400) from None
    # Razorpay sends X-Razorpay-Event-Id; without it the body itself names the event.
    event_id = event_id or "sha256:" + hashlib.sha256(body).hexdigest()
    with transaction.atomic():
        try:
            with transaction.atomic():
                row = PaymentEvent.objects.create(
                    event_id=event_id[:100], provider=PROVIDER, event=event[:60], payload=data
                )
        except IntegrityError:
            return "duplicate event: nothing changed"
        row.provider_order_id, row.outcome = _event_apply(event, payload)
        row.save(update_fields=["provider_order_id", "outcome"])
    logger.info("Razorpay %s %s: %s", event, event_id, row.outcome)
    return row.outcome


def _entity(payload: dict[str, Any], name: str) -> dict[str, Any]:
    wrapper = payload.get(name)
    entity = wrapper.get("entity") if isinstance(wrapper, dict) else None
    return entity if isinstance(entity, dict) else {}


def _event_apply(event: str, payload: dict[str, Any]) -> tuple[str, str]:
    payment = _entity(payload, "payment")
    order_id = str(_entity(payload, "order").get("id") or payment.get("order_id") or "")
    if not order_id:
        return "", "no order in the event"
    if event in ("payment.captured", "order.paid"):
        amount = payment.get("amount")
        return order_id, payment_paid(
            provider_order_id=order_id,
            payment_id=str(payment.get("id", "")),
            amount_paise=amount if isinstance(amount, int) else None,
        )
    if event == "payment.failed":
        reason = str(payment.get("error_description") or "The payment failed.")
        return order_id, payment_failed(provider_order_id=order_id, reason=reason)
    return order_id, "ignored"


@dataclass
class ExpirySummary:
    cancelled: list[str] = field(default_factory=list)
    paid: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        return [
            f"cancelled {len(self.cancelled)} orders awaiting payment: {' '.join(self.cancelled)}",
            f"paid at Razorpay (no word had come) {len(self.paid)}: {' '.join(self.paid)}",
            f"skipped {len(self.skipped)}: {'; '.join(self.skipped)}",
        ]


def payments_expire(*, now: datetime | None = None) -> ExpirySummary:
    """Cancel orders still awaiting payment after SHOP_PAYMENT_TIMEOUT_MINUTES; their
    stock goes back through ``order_status_change``, as any cancellation's does.

    An order whose Razorpay order was opened is first checked at Razorpay: a captured
    payment whose callback and webhook never came places it instead (the money was
    taken); if Razorpay cannot be asked, the order waits for the next run. Each order is
    its own transaction; one paid meanwhile is left alone (the status check runs under
    the order's lock), so the task can be killed and rerun.
    """
    cutoff = (now or timezone.now()) - timedelta(minutes=settings.SHOP_PAYMENT_TIMEOUT_MINUTES)
    summary = ExpirySummary()
    due = Order.objects.filter(status=OrderStatus.AWAITING_PAYMENT, created_at__lt=cutoff)
    rows = due.order_by("created_at", "id").values_list(
        "id", "number", "payment__provider_order_id"
    )
    for order_id, number, provider_order_id in rows:
        if provider_order_id:
            try:
                captured = gateway.order_captured_payment(order_id=provider_order_id)
            except gateway.GatewayError as error:
                summary.skipped.append(f"{number}: {error.message}")
                continue
            if captured is not None:
                amount = captured.get("amount")
                outcome = payment_paid(
                    provider_order_id=provider_order_id,
                    payment_id=str(captured.get("id", "")),
                    amount_paise=amount if isinstance(amount, int) else -1,
                )
                if outcome == "paid":
                    summary.paid.append(number)
                else:  # not what we asked for: left for staff to look at
                    summary.skipped.append(f"{number}: {outcome}")
                continue
        with transaction.atomic():
            order = Order.objects.select_for_update().get(pk=order_id)
            if order.status != OrderStatus.AWAITING_PAYMENT:
                summary.skipped.append(f"{number}: {order.status} meanwhile")
                continue
            order_status_change(order_id=order_id, status=OrderStatus.CANCELLED)
            summary.cancelled.append(number)
    return summary


def payment_refund(*, order_id: int) -> str:
    """Refund a cancelled order's payment in full, once; a failure is kept for staff.

    The payment row stays locked during Razorpay's call: two runs of the task cannot
    both refund. A refusal is final (staff see it and may retry from the admin); an
    unreachable Razorpay raises ``GatewayError`` again after recording it, so the task
    is retried.
    """
    with transaction.atomic():
        payment = (
            Payment.objects.select_for_update(of=("self",))
            .select_related("order")
            .filter(order_id=order_id)
            .first()
        )
        if payment is None or payment.status not in (
            PaymentStatus.PAID,
            PaymentStatus.REFUND_FAILED,
        ):
            return "nothing to refund"
        if payment.order.status != OrderStatus.CANCELLED:
            return f"not refunded: the order is {payment.order.status}"
        try:
            refund = gateway.payment_refund(
                payment_id=payment.provider_payment_id,
                amount=payment.amount,
                receipt=payment.order.number,
            )
        except gateway.GatewayError as error:
            payment.status = PaymentStatus.REFUND_FAILED
            payment.refund_error = error.message[:300]
            payment.save(update_fields=["status", "refund_error", "updated_at"])
            logger.error("Refund of %s failed: %s", payment.order, error.message)
            outcome = f"refund failed: {error.message}"
            retry = error.status >= 500
        else:
            payment.status = PaymentStatus.REFUNDED
            payment.refund_id = str(refund.get("id", ""))
            payment.refunded_at = timezone.now()
            payment.refund_error = ""
            payment.save(
                update_fields=["status", "refund_id", "refunded_at", "refund_error", "updated_at"]
            )
            return f"refunded {payment.refund_id}"
    if retry:
        raise gateway.GatewayError(outcome)
    return outcome
