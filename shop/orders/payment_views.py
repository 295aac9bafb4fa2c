"""Paying online: the page that opens Razorpay's Checkout, its callback, and the webhook."""

from __future__ import annotations

import logging

from csp.decorators import csp_update
from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from shop.orders import payment_services, selectors
from shop.orders.exceptions import OrderError
from shop.orders.models import OrderStatus
from shop.orders.views import PLACED_KEY

logger = logging.getLogger(__name__)

# Razorpay's Checkout is their script, opening their frame, on this page only.
RAZORPAY_CSP = {
    "script-src": ["https://checkout.razorpay.com"],
    "frame-src": ["https://api.razorpay.com", "https://checkout.razorpay.com"],
    "connect-src": ["https://api.razorpay.com", "https://lumberjack.razorpay.com"],
    "img-src": ["https://cdn.razorpay.com"],
}


EXPIRED = "This order was cancelled because it was not paid in time. Please order again."
PAID_TOO_LATE = (
    "Your payment arrived after this order's time had run out, so the order is cancelled "
    "and the payment is being refunded in full."
)


class PaymentCallbackForm(forms.Form):
    razorpay_payment_id = forms.CharField(max_length=40)
    razorpay_order_id = forms.CharField(max_length=40)
    razorpay_signature = forms.CharField(max_length=128)


def _placed_here(request: HttpRequest, number: str) -> None:
    # Only the browser that ordered pays (or sees) the order, as with its confirmation.
    if number not in request.session.get(PLACED_KEY, []):
        raise Http404("No such order")


def _pay_render(
    request: HttpRequest, number: str, *, error: str = "", status: int = 200
) -> HttpResponse:
    try:
        start = payment_services.payment_start(number=number)
    except OrderError as failure:
        if failure.status == 404:
            raise Http404("No such order") from None
        order = selectors.order_get(number=number)
        if failure.status == 409 and order.status != OrderStatus.CANCELLED:
            return redirect(order)  # paid: its confirmation
        start = None
        if order.status == OrderStatus.CANCELLED:
            error, status = error or EXPIRED, 200
        else:
            error, status = failure.message, failure.status
    context = {"number": number, "start": start, "error": error}
    return render(request, "orders/pay.html", context, status=status)


@csp_update(RAZORPAY_CSP)
@never_cache
@require_safe
def order_pay(request: HttpRequest, number: str) -> HttpResponse:
    _placed_here(request, number)
    return _pay_render(request, number)


@csp_update(RAZORPAY_CSP)
@never_cache
@require_POST
def order_pay_callback(request: HttpRequest, number: str) -> HttpResponse:
    """Checkout's answer, posted by our page (CSRF-checked): placed only if it verifies."""
    _placed_here(request, number)
    form = PaymentCallbackForm(request.POST)
    if not form.is_valid():
        return _pay_render(request, number, error=payment_services.NOT_VERIFIED, status=400)
    data = form.cleaned_data
    try:
        order = payment_services.payment_confirm(
            number=number,
            provider_order_id=data["razorpay_order_id"],
            payment_id=data["razorpay_payment_id"],
            signature=data["razorpay_signature"],
        )
    except OrderError as failure:
        return _pay_render(request, number, error=failure.message, status=failure.status)
    if order.status == OrderStatus.CANCELLED:  # paid after its time ran out
        return _pay_render(request, number, error=PAID_TOO_LATE)
    return redirect(order)


@csrf_exempt  # Razorpay's servers post it: the body's signature stands in for CSRF
@require_POST
def razorpay_webhook(request: HttpRequest) -> HttpResponse:
    try:
        outcome = payment_services.webhook_receive(
            body=request.body,
            signature=request.headers.get("X-Razorpay-Signature", ""),
            event_id=request.headers.get("X-Razorpay-Event-Id", ""),
        )
    except OrderError as failure:
        logger.warning("Razorpay webhook refused: %s", failure.message)
        return HttpResponse(failure.message, status=failure.status, content_type="text/plain")
    return HttpResponse(outcome, content_type="text/plain")
