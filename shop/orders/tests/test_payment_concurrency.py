"""Webhook deliveries, callbacks and the expiry racing for one order, on the real
PostgreSQL: each thread has its own connection."""

from __future__ import annotations

import dataclasses
import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from procrastinate.contrib.django.models import ProcrastinateJob

from shop.cart.tests.factories import product_make, variant_of
from shop.orders import payment_services
from shop.orders.models import Order, OrderStatus, Payment, PaymentEvent, PaymentStatus
from shop.orders.services import order_place
from shop.orders.tests.helpers import DETAILS, cart_with, token
from shop.orders.tests.payfake import (
    API,
    RAZORPAY_ORDER,
    razorpay_order_registered,
    recorded,
    webhook_body,
    webhook_signature,
)

pytestmark = pytest.mark.django_db(transaction=True)


def _race(*jobs) -> Counter:
    outcomes: Counter = Counter()
    lock = threading.Lock()
    start = threading.Barrier(len(jobs))

    def run(job) -> None:
        try:
            start.wait()
            outcome = job()
        except Exception as error:  # a deadlock, an IntegrityError: fails the test
            outcome = f"error: {type(error).__name__}: {error}"
        finally:
            connection.close()
        with lock:
            outcomes[str(outcome)] += 1

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def _started(razorpay, product) -> Order:
    cart = cart_with((product, "M", 1))
    details = dataclasses.replace(DETAILS, payment_method="razorpay")
    order = order_place(cart_id=cart.pk, details=details, checkout_token=token())
    razorpay_order_registered(razorpay, receipt=order.number)
    payment_services.payment_start(number=order.number)
    return order


def _jobs(task: str, order: Order) -> int:
    return ProcrastinateJob.objects.filter(
        task_name__endswith=task, args={"order_id": order.pk}
    ).count()


def test_the_same_event_delivered_six_times_at_once_pays_once(razorpay):
    order = _started(razorpay, product_make(price="1299.00", stock=3))
    body = webhook_body("webhook_payment_captured")
    signature = webhook_signature(body)

    def deliver() -> str:
        return payment_services.webhook_receive(body=body, signature=signature, event_id="evt_x")

    outcomes = _race(*[deliver] * 6)

    assert outcomes == Counter({"paid": 1, "duplicate event: nothing changed": 5})
    assert PaymentEvent.objects.count() == 1
    assert _jobs("send_order_confirmation", order) == 1
    order.refresh_from_db()
    assert order.status == OrderStatus.PLACED


@pytest.mark.parametrize("attempt", range(4))
def test_a_payment_racing_the_expiry_either_places_or_is_refunded(razorpay, attempt):
    product = product_make(price="1299.00", stock=3)
    order = _started(razorpay, product)
    Order.objects.filter(pk=order.pk).update(created_at=timezone.now() - timedelta(hours=1))
    # Asked only if the expiry gets there first: Razorpay has no payment yet.
    razorpay.assert_all_requests_are_fired = False
    razorpay.get(f"{API}/orders/{RAZORPAY_ORDER}/payments", json=recorded("orders_none"))
    body = webhook_body("webhook_order_paid")
    signature = webhook_signature(body)

    outcomes = _race(
        lambda: payment_services.webhook_receive(body=body, signature=signature, event_id="e"),
        lambda: len(payment_services.payments_expire().cancelled),
    )

    assert not [outcome for outcome in outcomes if outcome.startswith("error")], outcomes
    order.refresh_from_db()
    payment = Payment.objects.get(order=order)
    assert payment.status == PaymentStatus.PAID
    if order.status == OrderStatus.PLACED:  # the payment first: nothing cancelled
        assert outcomes == Counter({"paid": 1, "0": 1})
        assert variant_of(product, "M").stock == 2 and _jobs("refund_payment", order) == 0
    else:  # the expiry first: stock back, money back
        assert order.status == OrderStatus.CANCELLED
        assert outcomes == Counter({"paid while cancelled: refund queued": 1, "1": 1})
        assert variant_of(product, "M").stock == 3 and _jobs("refund_payment", order) == 1
