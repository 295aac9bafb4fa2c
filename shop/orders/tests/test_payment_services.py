from __future__ import annotations

import dataclasses
import json
from datetime import timedelta

import pytest
import responses
from django.core import mail
from django.utils import timezone
from procrastinate.contrib.django.models import ProcrastinateJob

from shop.cart.tests.factories import product_make, variant_of
from shop.orders import payment_services, payments
from shop.orders.emails import order_confirmation_send
from shop.orders.exceptions import OrderError
from shop.orders.models import Invoice, Order, OrderStatus, Payment, PaymentStatus
from shop.orders.services import order_place, order_status_change
from shop.orders.tasks import expire_payments, refund_payment
from shop.orders.tests.helpers import DETAILS, cart_with, token
from shop.orders.tests.payfake import (
    API,
    RAZORPAY_ORDER,
    RAZORPAY_PAYMENT,
    checkout_signature,
    razorpay_order_registered,
    recorded,
)

pytestmark = pytest.mark.django_db


def _place_online(product, quantity: int = 1) -> Order:
    cart = cart_with((product, "M", quantity))
    details = dataclasses.replace(DETAILS, payment_method="razorpay")
    return order_place(cart_id=cart.pk, details=details, checkout_token=token())


def _jobs(task: str, order: Order) -> int:
    return ProcrastinateJob.objects.filter(
        task_name__endswith=task, args={"order_id": order.pk}
    ).count()


def _started(razorpay, product, quantity: int = 1) -> Order:
    order = _place_online(product, quantity)
    razorpay_order_registered(razorpay, receipt=order.number)
    payment_services.payment_start(number=order.number)
    return order


def _paid(razorpay, product, quantity: int = 1) -> Order:
    order = _started(razorpay, product, quantity)
    payment_services.payment_confirm(
        number=order.number,
        provider_order_id=RAZORPAY_ORDER,
        payment_id=RAZORPAY_PAYMENT,
        signature=checkout_signature(RAZORPAY_ORDER, RAZORPAY_PAYMENT),
    )
    return Order.objects.get(pk=order.pk)


def test_without_keys_online_payment_is_not_offered(settings):
    settings.RAZORPAY_KEY_ID = settings.RAZORPAY_KEY_SECRET = ""
    settings.RAZORPAY_WEBHOOK_SECRET = ""
    assert list(payments.payment_methods()) == ["cod"]
    cart = cart_with((product_make(), "M", 1))
    details = dataclasses.replace(DETAILS, payment_method="razorpay")
    with pytest.raises(OrderError, match="Choose a payment method we offer"):
        order_place(cart_id=cart.pk, details=details, checkout_token=token())
    assert not Order.objects.exists()


def test_an_online_order_awaits_payment_with_its_stock_held(razorpay):
    assert list(payments.payment_methods()) == ["cod", "razorpay"]
    product = product_make(price="1299.00", stock=3)

    order = _place_online(product)

    assert order.status == OrderStatus.AWAITING_PAYMENT
    assert variant_of(product, "M").stock == 2
    payment = Payment.objects.get(order=order)
    assert (payment.status, payment.amount, payment.provider_order_id) == ("pending", 1299, None)
    # No confirmation e-mail before the money is there.
    assert _jobs("send_order_confirmation", order) == 0


def test_starting_the_payment_makes_one_razorpay_order_in_paise_with_our_number(razorpay):
    order = _place_online(product_make(price="1299.50", stock=3))
    razorpay_order_registered(razorpay, receipt=order.number)

    start = payment_services.payment_start(number=order.number)
    again = payment_services.payment_start(number=order.number)  # a reload: no new call

    assert start.provider_order_id == again.provider_order_id == RAZORPAY_ORDER
    assert (start.key_id, start.amount_paise, start.currency) == (
        "rzp_test_1DP5mmOlF5G5ag",
        129950,
        "INR",
    )
    created = [call for call in razorpay.calls if call.request.method == "POST"]
    assert len(razorpay.calls) == 2 and len(created) == 1
    body = json.loads(created[0].request.body)
    assert body == {"amount": 129950, "currency": "INR", "receipt": order.number}
    assert created[0].request.headers["Authorization"].startswith("Basic ")


def test_a_retry_after_a_lost_answer_finds_razorpays_order_by_its_receipt(razorpay):
    order = _place_online(product_make(price="1299.00", stock=3))
    found = recorded("orders_none")
    found["count"], found["items"] = 1, [recorded("order_created", receipt=order.number)]
    razorpay.get(f"{API}/orders", json=found)

    start = payment_services.payment_start(number=order.number)

    assert start.provider_order_id == RAZORPAY_ORDER
    assert [call.request.method for call in razorpay.calls] == ["GET"]  # nothing created


def test_razorpay_down_is_an_error_for_the_shopper_and_changes_nothing(razorpay):
    order = _place_online(product_make(stock=3))
    razorpay.get(f"{API}/orders", json=recorded("error_server"), status=500)

    with pytest.raises(OrderError, match="could not start the payment") as error:
        payment_services.payment_start(number=order.number)

    assert error.value.status == 502
    assert Payment.objects.get(order=order).provider_order_id is None


def test_a_verified_callback_places_the_order_and_queues_its_confirmation(razorpay):
    product = product_make(price="1299.00", stock=3)

    order = _paid(razorpay, product)

    assert order.status == OrderStatus.PLACED and order.payment_reference == RAZORPAY_PAYMENT
    payment = Payment.objects.get(order=order)
    assert payment.status == PaymentStatus.PAID and payment.paid_at is not None
    assert _jobs("send_order_confirmation", order) == 1
    assert variant_of(product, "M").stock == 2
    # Its tax invoice is issued with the payment, as a cash order's is at checkout.
    assert Invoice.objects.filter(order=order).count() == 1
    assert order_confirmation_send(order_id=order.pk)
    assert f"Payment: paid online, ₹1,299 (Razorpay payment {RAZORPAY_PAYMENT})" in (
        mail.outbox[0].body
    )


@pytest.mark.parametrize(
    "signature",
    ["0" * 64, checkout_signature(RAZORPAY_ORDER, "pay_someoneelse"), "é" * 64, ""],
)
def test_a_callback_whose_signature_does_not_verify_pays_nothing(razorpay, signature):
    order = _started(razorpay, product_make(stock=3))

    with pytest.raises(OrderError) as error:
        payment_services.payment_confirm(
            number=order.number,
            provider_order_id=RAZORPAY_ORDER,
            payment_id=RAZORPAY_PAYMENT,
            signature=signature,
        )

    assert error.value.status == 400
    order.refresh_from_db()
    assert order.status == OrderStatus.AWAITING_PAYMENT
    assert Payment.objects.get(order=order).status == PaymentStatus.PENDING


def test_unpaid_orders_expire_and_give_their_stock_back(razorpay, settings):
    settings.SHOP_PAYMENT_TIMEOUT_MINUTES = 30
    product = product_make(stock=5)
    old, fresh = _place_online(product, 2), _place_online(product, 1)
    Order.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(minutes=31))
    assert variant_of(product, "M").stock == 2

    summary = expire_payments(timestamp=0)
    again = payment_services.payments_expire()

    assert f"cancelled 1 orders awaiting payment: {old.number}" in summary
    assert again.cancelled == []
    old.refresh_from_db(), fresh.refresh_from_db()
    assert (old.status, fresh.status) == (OrderStatus.CANCELLED, OrderStatus.AWAITING_PAYMENT)
    assert variant_of(product, "M").stock == 4  # the 2 units back, once
    assert old.lines.get().stock_taken is False


def test_a_paid_order_is_not_expired(razorpay):
    order = _paid(razorpay, product_make(stock=5))
    Order.objects.filter(pk=order.pk).update(created_at=timezone.now() - timedelta(days=1))

    assert payment_services.payments_expire().cancelled == []
    order.refresh_from_db()
    assert order.status == OrderStatus.PLACED


def test_a_payment_arriving_after_expiry_is_refunded(razorpay):
    product = product_make(price="1299.00", stock=5)
    order = _started(razorpay, product)
    order_status_change(order_id=order.pk, status=OrderStatus.CANCELLED)  # expired

    outcome = payment_services.payment_paid(
        provider_order_id=RAZORPAY_ORDER, payment_id=RAZORPAY_PAYMENT
    )

    assert outcome == "paid while cancelled: refund queued"
    assert _jobs("refund_payment", order) == 1
    assert variant_of(product, "M").stock == 5


def test_cancelling_a_paid_order_refunds_it_through_razorpay(razorpay):
    order = _paid(razorpay, product_make(price="1299.00", stock=5))
    razorpay.post(
        f"{API}/payments/{RAZORPAY_PAYMENT}/refund",
        json=recorded("refund_created", receipt=order.number),
    )

    order_status_change(order_id=order.pk, status=OrderStatus.CANCELLED)
    assert _jobs("refund_payment", order) == 1
    assert refund_payment(order_id=order.pk) == "refunded rfnd_NzV4bQx1f2Yh3K"
    assert refund_payment(order_id=order.pk) == "nothing to refund"  # a rerun: no second call

    refund_call = razorpay.calls[-1].request
    assert json.loads(refund_call.body) == {
        "amount": 129900,
        "receipt": order.number,
        "speed": "normal",
    }
    payment = Payment.objects.get(order=order)
    assert (payment.status, payment.refund_id) == (PaymentStatus.REFUNDED, "rfnd_NzV4bQx1f2Yh3K")
    assert payment.refunded_at is not None and payment.refund_error == ""


def test_a_refused_refund_is_recorded_for_staff_not_raised(razorpay):
    order = _paid(razorpay, product_make(price="1299.00", stock=5))
    razorpay.post(
        f"{API}/payments/{RAZORPAY_PAYMENT}/refund", json=recorded("error_bad_request"), status=400
    )
    order_status_change(order_id=order.pk, status=OrderStatus.CANCELLED)

    outcome = payment_services.payment_refund(order_id=order.pk)

    assert outcome.startswith("refund failed: Razorpay refused")
    payment = Payment.objects.get(order=order)
    assert payment.status == PaymentStatus.REFUND_FAILED
    assert "fully refunded already" in payment.refund_error


def test_an_unreachable_razorpay_records_the_failure_and_retries_the_refund(razorpay):
    order = _paid(razorpay, product_make(price="1299.00", stock=5))
    razorpay.post(
        f"{API}/payments/{RAZORPAY_PAYMENT}/refund",
        body=responses.ConnectionError("connection reset"),
    )
    order_status_change(order_id=order.pk, status=OrderStatus.CANCELLED)

    with pytest.raises(OrderError, match="could not refund"):
        payment_services.payment_refund(order_id=order.pk)

    assert Payment.objects.get(order=order).status == PaymentStatus.REFUND_FAILED


def test_one_email_or_phone_may_hold_only_a_few_orders_awaiting_payment(razorpay, settings):
    settings.SHOP_PAYMENT_OPEN_ORDERS_MAX = 2
    product = product_make(stock=10)
    first, _second = _place_online(product), _place_online(product)

    with pytest.raises(OrderError, match="already has 2 orders waiting to be paid") as error:
        _place_online(product)

    assert error.value.status == 402
    assert Order.objects.count() == 2 and variant_of(product, "M").stock == 8
    order_status_change(order_id=first.pk, status=OrderStatus.CANCELLED)  # one expires
    assert _place_online(product).status == OrderStatus.AWAITING_PAYMENT


def _overdue(order: Order) -> None:
    Order.objects.filter(pk=order.pk).update(created_at=timezone.now() - timedelta(hours=1))


def test_expiry_asks_razorpay_first_and_places_an_order_whose_webhook_was_lost(razorpay):
    product = product_make(price="1299.00", stock=3)
    order = _started(razorpay, product)
    _overdue(order)
    razorpay.get(
        f"{API}/orders/{RAZORPAY_ORDER}/payments", json=recorded("order_payments_captured")
    )

    summary = payment_services.payments_expire()

    assert (summary.paid, summary.cancelled) == ([order.number], [])
    order.refresh_from_db()
    assert order.status == OrderStatus.PLACED and order.payment_reference == RAZORPAY_PAYMENT
    assert variant_of(product, "M").stock == 2


def test_expiry_cancels_an_opened_order_razorpay_has_no_payment_for(razorpay):
    product = product_make(stock=3)
    order = _started(razorpay, product)
    _overdue(order)
    razorpay.get(f"{API}/orders/{RAZORPAY_ORDER}/payments", json=recorded("orders_none"))

    assert payment_services.payments_expire().cancelled == [order.number]
    assert variant_of(product, "M").stock == 3


def test_expiry_waits_when_razorpay_cannot_be_asked(razorpay):
    order = _started(razorpay, product_make(stock=3))
    _overdue(order)
    razorpay.get(
        f"{API}/orders/{RAZORPAY_ORDER}/payments", json=recorded("error_server"), status=503
    )

    summary = payment_services.payments_expire()

    assert summary.cancelled == [] and summary.skipped[0].startswith(order.number)
    order.refresh_from_db()
    assert order.status == OrderStatus.AWAITING_PAYMENT
