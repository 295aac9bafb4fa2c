from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe
from django.views.decorators.vary import vary_on_headers

from shop.cart import selectors, services
from shop.cart.delivery import DEFAULT_DELIVERY, delivery_methods
from shop.cart.exceptions import CartError
from shop.cart.forms import AddToCartForm, QuantityForm, VoucherForm
from shop.cart.session import cart_for_request, cart_id_for_request
from shop.catalog.models import Product
from shop.inputs import parse_int
from shop.search import attribution


def _cart_context(request: HttpRequest, **extra: object) -> dict[str, object]:
    cart = selectors.cart_get(cart_id=cart_id_for_request(request))
    summary = selectors.cart_summary(cart_id=cart.pk if cart else None)
    delivery = delivery_methods()[DEFAULT_DELIVERY]
    totals = selectors.cart_totals(
        summary=summary,
        delivery=delivery,
        voucher_code=cart.voucher_code if cart else "",
        user=request.user,
    )
    return {
        "summary": summary,
        "totals": totals,
        "delivery": delivery,
        "delivery_price": totals.delivery,
        "total": totals.total,
        **extra,
    }


def _render_cart(request: HttpRequest, *, error: str = "", status: int = 200) -> HttpResponse:
    template = "cart/cart.html"
    if request.htmx:
        template += "#cart"
    return render(request, template, _cart_context(request, error=error), status=status)


# Every cart page and answer is one shopper's: never_cache sends private, no-store.
@never_cache
@require_safe
def cart_detail(request: HttpRequest) -> HttpResponse:
    return _render_cart(request)


def _add_result(
    request: HttpRequest, product_id: int | None, *, message: str = "", error: str = "", status: int
) -> HttpResponse:
    """HTMX: the add-to-cart form again, with the outcome and the header's new count."""
    product = (
        Product.objects.browsable().prefetch_related("variants").filter(pk=product_id).first()
        if product_id is not None
        else None
    )
    context = {"product": product, "cart_message": message, "cart_error": error}
    return render(request, "cart/add_result.html", context, status=status)


@never_cache
@require_POST
@vary_on_headers("HX-Request")
def cart_line_add(request: HttpRequest) -> HttpResponse:
    form = AddToCartForm(request.POST)
    product_id = parse_int(form.data.get("product"), low=1)
    try:
        if not form.is_valid():
            first = next(iter(form.errors.values()))[0]
            raise CartError(first if "variant" in form.errors else f"Invalid request: {first}")
        cart = cart_for_request(request, create=True)
        line = services.cart_line_add(
            cart=cart,
            product_id=form.cleaned_data["product"],
            variant_id=form.cleaned_data["variant"],
            quantity=form.cleaned_data["quantity"],
        )
        # Counted for the search this product was clicked from, if any (recently).
        attribution.search_cart_add_record(
            session=request.session,
            cart_id=cart.pk,
            product_id=line.variant.product_id,
            quantity=form.cleaned_data["quantity"],
        )
    except CartError as error:
        if request.htmx:
            return _add_result(request, product_id, error=error.message, status=error.status)
        return _render_cart(request, error=error.message, status=error.status)
    message = f"Added to your cart: {line.variant.product.name}, size {line.variant.size}."
    if request.htmx:
        return _add_result(request, product_id, message=message, status=200)
    messages.success(request, message)
    return redirect("cart:detail")


def _line_change(
    request: HttpRequest, change: object, *, empty: str = "That item is not in your cart."
) -> HttpResponse:
    cart = cart_for_request(request, create=False)
    try:
        if cart is None:
            raise CartError(empty, status=404)
        change(cart)
    except CartError as error:
        return _render_cart(request, error=error.message, status=error.status)
    if request.htmx:
        return _render_cart(request)
    return redirect("cart:detail")


@never_cache
@require_POST
@vary_on_headers("HX-Request")
def cart_line_update(request: HttpRequest, line_id: int) -> HttpResponse:
    form = QuantityForm(request.POST)

    def change(cart: object) -> None:
        if not form.is_valid():
            raise CartError("Enter a whole number of items.")
        services.cart_line_update(
            cart=cart,
            line_id=line_id,
            quantity=form.cleaned_data["quantity"],
            variant_id=form.cleaned_data.get("variant"),
        )

    return _line_change(request, change)


@never_cache
@require_POST
@vary_on_headers("HX-Request")
def cart_line_remove(request: HttpRequest, line_id: int) -> HttpResponse:
    return _line_change(request, lambda cart: services.cart_line_remove(cart=cart, line_id=line_id))


@never_cache
@require_POST
@vary_on_headers("HX-Request")
def cart_voucher_apply(request: HttpRequest) -> HttpResponse:
    form = VoucherForm(request.POST)

    def change(cart: object) -> None:
        if not form.is_valid():
            raise CartError(next(iter(form.errors.values()))[0])
        services.cart_voucher_apply(cart=cart, code=form.cleaned_data["code"], user=request.user)

    return _line_change(request, change, empty="Add something to your bag before using a voucher.")


@never_cache
@require_POST
@vary_on_headers("HX-Request")
def cart_voucher_remove(request: HttpRequest) -> HttpResponse:
    return _line_change(
        request, lambda cart: services.cart_voucher_remove(cart=cart), empty="No voucher to remove."
    )
