from __future__ import annotations

import dataclasses

import pytest
from django.contrib.auth.models import User
from django.test import Client
from procrastinate.contrib.django.models import ProcrastinateJob

from shop.cart.tests.factories import product_make
from shop.orders import payment_services
from shop.orders.models import Order, Payment, PaymentStatus
from shop.orders.services import order_place
from shop.orders.tests.helpers import DETAILS, cart_with, token
from shop.orders.tests.payfake import (
    API,
    RAZORPAY_ORDER,
    RAZORPAY_PAYMENT,
    razorpay_order_registered,
    recorded,
    webhook_body,
    webhook_signature,
)

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/orders/order/"


@pytest.fixture
def staff() -> Client:
    User.objects.create_superuser("boss", "boss@example.com", "pw-123456789")
    client = Client()
    client.login(username="boss", password="pw-123456789")
    return client


def _paid_order(razorpay) -> Order:
    cart = cart_with((product_make(price="1299.00", stock=3), "M", 1))
    details = dataclasses.replace(DETAILS, payment_method="razorpay")
    order = order_place(cart_id=cart.pk, details=details, checkout_token=token())
    razorpay_order_registered(razorpay, receipt=order.number)
    payment_services.payment_start(number=order.number)
    body = webhook_body("webhook_payment_captured")
    assert payment_services.webhook_receive(body=body, signature=webhook_signature(body)) == "paid"
    return order


def _refund_jobs(order: Order) -> int:
    return ProcrastinateJob.objects.filter(
        task_name__endswith="refund_payment", args={"order_id": order.pk}
    ).count()


def test_cancelling_a_paid_order_in_the_admin_queues_its_refund_and_a_failure_shows(
    staff, razorpay
):
    order = _paid_order(razorpay)
    assert "Pay online: paid" in staff.get(CHANGELIST).content.decode()

    staff.post(CHANGELIST, {"action": "mark_cancelled", "_selected_action": [order.pk]})
    assert _refund_jobs(order) == 1
    razorpay.post(
        f"{API}/payments/{RAZORPAY_PAYMENT}/refund", json=recorded("error_bad_request"), status=400
    )
    payment_services.payment_refund(order_id=order.pk)  # what the worker runs

    page = staff.get(f"{CHANGELIST}{order.pk}/change/")
    html = page.content.decode()
    assert page.status_code == 200
    assert f"Razorpay order {RAZORPAY_ORDER}" in html
    assert "REFUND FAILED: Razorpay refused to refund the payment" in html
    assert "Pay online: refund failed" in staff.get(CHANGELIST).content.decode()

    staff.post(CHANGELIST, {"action": "refund_retry", "_selected_action": [order.pk]})
    assert _refund_jobs(order) == 2
    assert Payment.objects.get(order=order).status == PaymentStatus.REFUND_FAILED


def test_webhook_events_are_listed_read_only(staff, razorpay):
    _paid_order(razorpay)
    page = staff.get("/admin/orders/paymentevent/")
    assert page.status_code == 200 and "payment.captured" in page.content.decode()
    assert staff.get("/admin/orders/paymentevent/add/").status_code == 403
