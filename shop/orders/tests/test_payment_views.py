from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from procrastinate.contrib.django.models import ProcrastinateJob

from shop.cart.tests.factories import product_make, variant_of
from shop.orders import payment_services
from shop.orders.models import Order, OrderStatus, Payment, PaymentEvent, PaymentStatus
from shop.orders.tests.helpers import CHECKOUT_FORM
from shop.orders.tests.payfake import (
    API,
    KEY_ID,
    RAZORPAY_ORDER,
    RAZORPAY_PAYMENT,
    checkout_signature,
    razorpay_order_registered,
    recorded,
    webhook_body,
    webhook_signature,
)

pytestmark = pytest.mark.django_db

WEBHOOK = "/payments/razorpay/webhook/"


def _fill_cart(client: Client, product) -> None:
    data = {"product": product.pk, "variant": variant_of(product, "M").pk, "quantity": 1}
    assert client.post("/cart/add/", data).status_code == 302


def _checkout_form(client: Client, **changes: str) -> dict[str, str]:
    html = client.get("/checkout/").content.decode()
    hidden = {
        name: re.search(rf'name="{name}" value="([^"]*)"', html).group(1)
        for name in ("checkout_token", "cart_fingerprint")
    }
    return {**CHECKOUT_FORM, **hidden, **changes}


def _checkout_online(client: Client, razorpay, product) -> Order:
    _fill_cart(client, product)
    response = client.post("/checkout/", _checkout_form(client, payment_method="razorpay"))
    order = Order.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/orders/{order.number}/"
    razorpay_order_registered(razorpay, receipt=order.number)
    return order


def _webhook(body: bytes, *, signature: str | None = None, event_id: str = "evt_1") -> object:
    # A strict client: the webhook must pass without a CSRF token.
    return Client(enforce_csrf_checks=True).post(
        WEBHOOK,
        body,
        content_type="application/json",
        headers={
            "X-Razorpay-Signature": webhook_signature(body) if signature is None else signature,
            "X-Razorpay-Event-Id": event_id,
        },
    )


def test_without_keys_the_checkout_page_and_api_offer_cash_on_delivery_only(client, settings):
    settings.RAZORPAY_KEY_ID = settings.RAZORPAY_KEY_SECRET = ""
    settings.RAZORPAY_WEBHOOK_SECRET = ""
    _fill_cart(client, product_make())
    page = client.get("/checkout/").content.decode()
    assert 'value="cod"' in page and 'value="razorpay"' not in page

    response = client.post("/checkout/", _checkout_form(client, payment_method="razorpay"))
    assert response.status_code == 400 and not Order.objects.exists()
    body = {**_checkout_form(client), "payment_method": "razorpay"}
    api = client.post("/api/checkout/", body, content_type="application/json")
    assert api.status_code == 400 and "payment_method" in api.json()["detail"]


def test_with_keys_the_checkout_offers_paying_online(client, razorpay):
    _fill_cart(client, product_make())
    response = client.get("/checkout/")
    page = response.content.decode()
    assert 'value="razorpay"' in page and "UPI, cards or netbanking" in page
    # Razorpay's script is allowed on the pay page only.
    assert "razorpay" not in response["Content-Security-Policy"]


def test_paying_online_opens_razorpay_checkout_and_a_signed_callback_places_the_order(
    client, razorpay
):
    product = product_make(price="1299.00", stock=2)
    order = _checkout_online(client, razorpay, product)

    pay = client.get(f"/orders/{order.number}/")  # not confirmed yet: to the pay page
    assert pay.status_code == 302 and pay["Location"] == f"/orders/{order.number}/pay/"
    page = client.get(pay["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert f'data-key="{KEY_ID}"' in html and f'data-order="{RAZORPAY_ORDER}"' in html
    assert 'data-amount="129900"' in html
    assert "https://checkout.razorpay.com" in page["Content-Security-Policy"]
    assert variant_of(product, "M").stock == 1  # held while the shopper pays
    assert Client().get(f"/orders/{order.number}/pay/").status_code == 404  # another browser

    callback = client.post(
        f"/orders/{order.number}/pay/callback/",
        {
            "razorpay_payment_id": RAZORPAY_PAYMENT,
            "razorpay_order_id": RAZORPAY_ORDER,
            "razorpay_signature": checkout_signature(RAZORPAY_ORDER, RAZORPAY_PAYMENT),
        },
    )

    assert callback.status_code == 302 and callback["Location"] == f"/orders/{order.number}/"
    order.refresh_from_db()
    assert order.status == OrderStatus.PLACED
    confirmation = client.get(callback["Location"]).content.decode()
    assert "Thank you" in confirmation and f"Razorpay payment {RAZORPAY_PAYMENT}" in confirmation
    # The pay page of a paid order goes to its confirmation.
    assert client.get(f"/orders/{order.number}/pay/")["Location"] == f"/orders/{order.number}/"


def test_a_forged_callback_is_refused_in_place(client, razorpay):
    order = _checkout_online(client, razorpay, product_make(stock=2))
    client.get(f"/orders/{order.number}/pay/")

    response = client.post(
        f"/orders/{order.number}/pay/callback/",
        {
            "razorpay_payment_id": RAZORPAY_PAYMENT,
            "razorpay_order_id": RAZORPAY_ORDER,
            "razorpay_signature": "f" * 64,
        },
    )

    assert response.status_code == 400
    assert "We could not verify this payment" in response.content.decode()
    order.refresh_from_db()
    assert order.status == OrderStatus.AWAITING_PAYMENT


def test_the_webhook_marks_the_order_paid_once_per_event(client, razorpay):
    order = _checkout_online(client, razorpay, product_make(price="1299.00", stock=2))
    client.get(f"/orders/{order.number}/pay/")
    body = webhook_body("webhook_payment_captured", receipt=order.number)

    first = _webhook(body, event_id="evt_Nz1")
    second = _webhook(body, event_id="evt_Nz1")  # Razorpay redelivers: nothing changes

    assert (first.status_code, first.content) == (200, b"paid")
    assert (second.status_code, second.content) == (200, b"duplicate event: nothing changed")
    assert PaymentEvent.objects.filter(event_id="evt_Nz1").count() == 1
    order.refresh_from_db()
    assert order.status == OrderStatus.PLACED and order.payment_reference == RAZORPAY_PAYMENT
    # order.paid for the same payment, a different event: seen, and changes nothing either.
    paid = _webhook(webhook_body("webhook_order_paid", receipt=order.number), event_id="evt_Nz2")
    assert paid.content == b"already paid" and PaymentEvent.objects.count() == 2


def test_a_failed_payment_is_recorded_and_the_order_still_awaits_payment(client, razorpay):
    order = _checkout_online(client, razorpay, product_make(stock=2))
    client.get(f"/orders/{order.number}/pay/")

    response = _webhook(webhook_body("webhook_payment_failed"), event_id="evt_failed")

    assert response.content == b"failure recorded"
    payment = Payment.objects.get(order=order)
    assert payment.status == PaymentStatus.PENDING
    assert payment.last_failure == "Payment failed because the bank declined it"


def test_a_webhook_with_another_amount_does_not_pay(client, razorpay):
    order = _checkout_online(client, razorpay, product_make(price="999.00", stock=2))
    client.get(f"/orders/{order.number}/pay/")  # the recorded event is for 129900 paise

    response = _webhook(webhook_body("webhook_payment_captured"))

    assert response.status_code == 200 and b"does not match" in response.content
    order.refresh_from_db()
    assert order.status == OrderStatus.AWAITING_PAYMENT


@pytest.mark.parametrize(
    ("body", "signature"),
    [
        (b'{"event": "payment.captured"}', "0" * 64),  # wrong
        (b'{"event": "payment.captured"}', ""),  # missing
        (b'{"event": "payment.captured"}', "\u00e9" * 64),  # not ASCII
        (b"\xff\xfe not utf-8", None),  # signed, but not text
        (b"[1, 2, 3]", None),  # signed, but not an event
        (b"not json", None),
    ],
)
def test_a_bad_webhook_is_a_400_never_a_500(razorpay, body, signature):
    response = _webhook(body, signature=signature)
    assert response.status_code == 400
    assert not PaymentEvent.objects.exists()


def test_the_webhook_is_refused_without_keys(settings):
    settings.RAZORPAY_KEY_ID = settings.RAZORPAY_KEY_SECRET = ""
    settings.RAZORPAY_WEBHOOK_SECRET = ""
    body = json.dumps({"event": "payment.captured"}).encode()
    assert _webhook(body, signature="0" * 64).status_code == 400
    assert Client().get(WEBHOOK).status_code == 405


def test_an_expired_order_says_so_on_its_pay_page_and_a_late_payment_is_refunded(client, razorpay):
    order = _checkout_online(client, razorpay, product_make(price="1299.00", stock=2))
    client.get(f"/orders/{order.number}/pay/")
    Order.objects.filter(pk=order.pk).update(created_at=timezone.now() - timedelta(hours=1))
    razorpay.get(f"{API}/orders/{RAZORPAY_ORDER}/payments", json=recorded("orders_none"))
    assert payment_services.payments_expire().cancelled == [order.number]

    page = client.get(f"/orders/{order.number}/pay/")
    assert page.status_code == 200 and "not paid in time" in page.content.decode()
    assert "is cancelled" in client.get(f"/orders/{order.number}/").content.decode()

    late = client.post(
        f"/orders/{order.number}/pay/callback/",
        {
            "razorpay_payment_id": RAZORPAY_PAYMENT,
            "razorpay_order_id": RAZORPAY_ORDER,
            "razorpay_signature": checkout_signature(RAZORPAY_ORDER, RAZORPAY_PAYMENT),
        },
    )

    assert late.status_code == 200 and "refunded in full" in late.content.decode()
    assert Payment.objects.get(order=order).status == PaymentStatus.PAID
    assert ProcrastinateJob.objects.filter(
        task_name__endswith="refund_payment", args={"order_id": order.pk}
    ).exists()


def test_an_api_checkout_paid_online_points_to_its_pay_page(client, razorpay):
    _fill_cart(client, product_make(price="1299.00", stock=2))
    body = {**_checkout_form(client), "payment_method": "razorpay"}

    response = client.post("/api/checkout/", body, content_type="application/json")

    order = Order.objects.get()
    assert response.status_code == 201
    assert response.json()["status"] == "awaiting_payment"
    assert response.json()["payment_url"] == f"/orders/{order.number}/pay/"
    razorpay_order_registered(razorpay, receipt=order.number)
    assert client.get(response.json()["payment_url"]).status_code == 200


def test_the_pay_callback_needs_a_csrf_token_only_the_webhook_is_exempt(razorpay):
    strict = Client(enforce_csrf_checks=True)
    callback = {"razorpay_payment_id": RAZORPAY_PAYMENT, "razorpay_order_id": RAZORPAY_ORDER}
    assert strict.post("/orders/TL-ABCDEFGH/pay/callback/", callback).status_code == 403
    # The webhook answers a CSRF-less post on its own terms: its signature.
    assert _webhook(b'{"event": "payment.captured"}', signature="0" * 64).status_code == 400
