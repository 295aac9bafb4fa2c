from __future__ import annotations

import functools
import uuid
from collections.abc import Callable

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.module_loading import import_string
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from shop.cart.delivery import DEFAULT_DELIVERY, DeliveryMethod, delivery_methods
from shop.cart.selectors import CartTotals, cart_get, cart_summary, cart_totals
from shop.cart.session import cart_id_for_request
from shop.clients import client_address
from shop.errors import ShopError
from shop.orders import limits, selectors, services
from shop.orders.forms import CheckoutForm, OrderLookupForm
from shop.orders.invoices import invoice_issue, invoice_response
from shop.orders.models import Order, OrderStatus
from shop.orders.payments import DEFAULT_PAYMENT, payment_methods
from shop.ratelimits import RateLimited

# Orders this browser placed: only they have a confirmation page here.
PLACED_KEY = "orders_placed"


def _checkout_render(
    request: HttpRequest, form: CheckoutForm, *, error: str = "", status: int = 200
) -> HttpResponse:
    cart = cart_get(cart_id=cart_id_for_request(request))
    summary = cart_summary(cart_id=cart.pk if cart else None)
    voucher_code = cart.voucher_code if cart else ""

    def totals_for(method: DeliveryMethod) -> CartTotals:
        return cart_totals(
            summary=summary, delivery=method, voucher_code=voucher_code, user=request.user
        )

    methods = delivery_methods()
    deliveries = [(m, totals_for(m).delivery) for m in methods.values()]
    chosen = methods.get(form["delivery_method"].value() or "", methods[DEFAULT_DELIVERY])
    totals = totals_for(chosen)
    # The page shows this cart: a submit that no longer matches it is refused.
    form.data = form.data.copy() if form.is_bound else form.data
    if form.is_bound:
        form.data["cart_fingerprint"] = totals.fingerprint
    else:
        form.initial["cart_fingerprint"] = totals.fingerprint
    context = {
        "form": form,
        "summary": summary,
        "deliveries": deliveries,
        "payments": list(payment_methods().values()),
        "totals": totals,
        "delivery_price": totals.delivery,
        "total": totals.total,
        "error": error,
    }
    return render(request, "orders/checkout.html", context, status=status)


@functools.cache
def _prefill() -> Callable[..., dict[str, str]] | None:
    # Named in settings, not imported: accounts sits above orders (its order history
    # reads them), so orders asks for the saved address without depending on it.
    return import_string(settings.SHOP_CHECKOUT_PREFILL) if settings.SHOP_CHECKOUT_PREFILL else None


def _saved_address(request: HttpRequest) -> dict[str, str]:
    """The checkout's address fields from the shopper's default address, if any."""
    prefill = _prefill()
    return prefill(user=request.user) if prefill is not None else {}


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def checkout(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        summary = cart_summary(cart_id=cart_id_for_request(request))
        if summary.is_empty or summary.problems:  # the cart page says what to fix
            return redirect("cart:detail")
        initial = {
            "checkout_token": uuid.uuid4(),
            "delivery_method": DEFAULT_DELIVERY,
            "payment_method": DEFAULT_PAYMENT,
            "email": request.user.email if request.user.is_authenticated else "",
            **_saved_address(request),
        }
        return _checkout_render(request, CheckoutForm(initial=initial))
    form = CheckoutForm(request.POST)
    if not form.is_valid():
        return _checkout_render(request, form, status=400)
    data = form.cleaned_data
    try:
        limits.checkout_rate_limit(
            session=request.session.session_key or "",
            address=client_address(request),
            email=data["email"],
            phone=data["phone"],
        )
        order = services.order_place(
            cart_id=cart_id_for_request(request),
            details=services.CheckoutDetails(
                **{k: data[k] for k in ("email", "name", "line1", "line2", "city", "state")},
                postcode=data["postcode"],
                phone=data["phone"],
                delivery_method=data["delivery_method"],
                payment_method=data["payment_method"],
            ),
            checkout_token=data["checkout_token"],
            cart_fingerprint=data["cart_fingerprint"],
            user=request.user,
        )
    except ShopError as error:  # an OrderError, or RateLimited (429, Retry-After)
        return error.add_headers(
            _checkout_render(request, form, error=error.message, status=error.status)
        )
    placed = request.session.get(PLACED_KEY, [])
    if order.number not in placed:
        request.session[PLACED_KEY] = [*placed, order.number][-20:]
    return redirect(order)


@never_cache  # one shopper's order: private, no-store
@require_safe
def order_confirmation(request: HttpRequest, number: str) -> HttpResponse:
    if number not in request.session.get(PLACED_KEY, []):
        raise Http404("No such order")
    order = selectors.order_get(number=number)
    if order is None:
        raise Http404("No such order")
    if order.status == OrderStatus.AWAITING_PAYMENT:  # paid online, not yet
        return redirect("orders:pay", number)
    return render(request, "orders/confirmation.html", {"order": order})


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def order_status(request: HttpRequest) -> HttpResponse:
    """Find an order by its number and e-mail (POST: the e-mail stays out of URLs and logs)."""
    if request.method != "POST":
        return render(request, "orders/status.html", {"form": OrderLookupForm()})
    form = OrderLookupForm(request.POST)
    try:
        limits.order_lookup_rate_limit(
            session=request.session.session_key or "", address=client_address(request)
        )
    except RateLimited as error:
        return error.add_headers(
            render(
                request,
                "orders/status.html",
                {"form": form, "error": error.message},
                status=error.status,
            )
        )
    if not form.is_valid():
        return render(request, "orders/status.html", {"form": form}, status=400)
    order = selectors.order_lookup(**form.cleaned_data)
    if order is None:
        context = {"form": form, "error": selectors.LOOKUP_FAILED}
        return render(request, "orders/status.html", context, status=404)
    return render(request, "orders/status.html", {"form": form, "order": order})


def _placed_here(request: HttpRequest, order: Order) -> bool:
    """Whether this browser placed the order, or it is the signed-in shopper's."""
    if order.number in request.session.get(PLACED_KEY, []):
        return True
    return request.user.is_authenticated and order.user_id == request.user.pk


@never_cache  # one shopper's invoice: private, no-store
@require_safe
def order_invoice(request: HttpRequest, number: str) -> HttpResponse:
    """The order's GST invoice as a PDF, for the browser or account that placed it."""
    order = selectors.order_get(number=number)
    if order is None or not _placed_here(request, order):
        raise Http404("No such order")
    try:
        invoice = invoice_issue(order_id=order.pk)
    except ShopError as error:  # not placed yet (awaiting payment), or cancelled
        raise Http404(error.message) from None
    return invoice_response(invoice)
