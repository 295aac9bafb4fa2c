from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django.views.decorators.vary import vary_on_headers

from shop.accounts import alerts, selectors, services, wishlist
from shop.accounts.exceptions import AccountError
from shop.accounts.forms import AddressForm, WishlistForm
from shop.cart.session import cart_for_request


def _shopper(request: HttpRequest):  # noqa: ANN202 (a User or None)
    return request.user if request.user.is_authenticated else None


def _safe_next(request: HttpRequest, fallback: str) -> str:
    """Where to go back to: ``next`` if it is a path on this site, else ``fallback``."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


@require_safe
@login_required
def overview(request: HttpRequest) -> HttpResponse:
    context = {
        "orders": selectors.order_history(user=request.user)[:3],
        "default_address": selectors.address_default(user=request.user),
    }
    return render(request, "accounts/overview.html", context)


@require_safe
@login_required
def address_list(request: HttpRequest) -> HttpResponse:
    addresses = selectors.address_list(user=request.user)
    return render(request, "accounts/addresses.html", {"addresses": addresses})


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def address_edit(request: HttpRequest, address_id: int | None = None) -> HttpResponse:
    address = None
    if address_id is not None:
        address = selectors.address_get(user=request.user, address_id=address_id)
        if address is None:
            raise Http404("No such address")
    if request.method != "POST":
        form = AddressForm(instance=address)
        return render(request, "accounts/address_form.html", {"form": form, "address": address})
    form = AddressForm(request.POST, instance=address)
    error = ""
    if form.is_valid():
        try:
            services.address_save(user=request.user, data=form.cleaned_data, address_id=address_id)
        except AccountError as exc:
            error = exc.message
        else:
            messages.success(request, "Address saved.")
            return redirect("accounts:addresses")
    context = {"form": form, "address": address, "error": error}
    return render(request, "accounts/address_form.html", context, status=400)


@require_POST
@login_required
def address_delete(request: HttpRequest, address_id: int) -> HttpResponse:
    try:
        services.address_delete(user=request.user, address_id=address_id)
    except AccountError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Address deleted.")
    return redirect("accounts:addresses")


@require_safe
@login_required
def order_list(request: HttpRequest) -> HttpResponse:
    orders = selectors.order_history(user=request.user)
    return render(request, "accounts/orders.html", {"orders": orders})


@require_safe
@login_required
def order_detail(request: HttpRequest, number: str) -> HttpResponse:
    order = selectors.order_for_user(user=request.user, number=number)
    if order is None:
        raise Http404("No such order")
    return render(request, "accounts/order_detail.html", {"order": order})


@require_POST
@login_required
def order_buy_again(request: HttpRequest, number: str) -> HttpResponse:
    order = selectors.order_for_user(user=request.user, number=number)
    if order is None:
        raise Http404("No such order")
    result = services.order_buy_again(order=order, cart=cart_for_request(request, create=True))
    if result.added:
        messages.success(request, f"Added to your cart: {', '.join(result.added)}.")
    for reason in result.skipped:
        messages.warning(request, f"Not added: {reason}")
    return redirect("cart:detail")


@require_safe
def wishlist_page(request: HttpRequest) -> HttpResponse:
    items = wishlist.wishlist_items(user=_shopper(request), session=request.session)
    return render(request, "accounts/wishlist.html", {"items": items})


def _wishlist_answer(
    request: HttpRequest, product_id: int | None, *, message: str = "", error: str = "",
    status: int = 200,
) -> HttpResponse:  # fmt: skip
    """HTMX: the heart button again; a plain form: back where the shopper was."""
    product = wishlist.wishlist_product(product_id=product_id)
    if request.htmx:
        context = {
            "product": product,
            "with_sizes": request.POST.get("with_sizes") == "1",
            "wishlist_message": message,
            "wishlist_error": error,
            "wishlist_next": _safe_next(request, ""),
        }
        return render(request, "accounts/_wishlist_button.html", context, status=status)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, message)
    fallback = product.get_absolute_url() if product else reverse("accounts:wishlist")
    return redirect(_safe_next(request, fallback))


def _wishlist_change(request: HttpRequest, *, add: bool) -> HttpResponse:
    form = WishlistForm(request.POST)
    raw = form.data.get("product")
    product_id = int(raw) if str(raw or "").isdigit() else None
    if not form.is_valid():
        first = next(iter(form.errors.values()))[0]
        return _wishlist_answer(request, product_id, error=first, status=400)
    try:
        if add:
            wishlist.wishlist_add(
                user=_shopper(request), session=request.session,
                product_id=form.cleaned_data["product"], variant_id=form.cleaned_data["variant"],
            )  # fmt: skip
        else:
            wishlist.wishlist_remove(
                user=_shopper(request), session=request.session,
                product_id=form.cleaned_data["product"],
                variant_key=request.POST.get("variant") or None,
            )  # fmt: skip
    except AccountError as exc:
        return _wishlist_answer(request, product_id, error=exc.message, status=exc.status)
    message = "Saved to your wishlist." if add else "Removed from your wishlist."
    return _wishlist_answer(request, product_id, message=message)


@require_POST
@vary_on_headers("HX-Request")
def wishlist_add(request: HttpRequest) -> HttpResponse:
    return _wishlist_change(request, add=True)


@require_POST
@vary_on_headers("HX-Request")
def wishlist_remove(request: HttpRequest) -> HttpResponse:
    return _wishlist_change(request, add=False)


@require_http_methods(["GET", "HEAD", "POST"])
def alerts_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """The e-mail's link asks first (a mail scanner's GET must not unsubscribe anyone)."""
    user_id = alerts.unsubscribe_user_id(token=token)
    if user_id is None:
        raise Http404("This unsubscribe link is not valid.")
    done = request.method == "POST"
    if done:
        alerts.alerts_unsubscribe(user_id=user_id)
    return render(request, "accounts/unsubscribe.html", {"done": done})
