"""Which cart belongs to a request: the id kept in the session, or the logged-in user's."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest

from shop.cart.models import Cart
from shop.cart.services import cart_attach_to_user, cart_create

SESSION_KEY = "cart_id"


def cart_id_for_request(request: HttpRequest) -> int | None:
    cart_id = request.session.get(SESSION_KEY)
    if cart_id is None and request.user.is_authenticated:
        cart_id = Cart.objects.filter(user=request.user).values_list("pk", flat=True).first()
    return cart_id if isinstance(cart_id, int) else None


def cart_for_request(request: HttpRequest, *, create: bool) -> Cart | None:
    """The request's cart; with ``create`` a new one is made (and remembered) if needed."""
    cart_id = cart_id_for_request(request)
    cart = Cart.objects.filter(pk=cart_id).first() if cart_id is not None else None
    if cart is None and create:
        user = request.user if request.user.is_authenticated else None
        cart = cart_create(user=user)
    if cart is not None and request.session.get(SESSION_KEY) != cart.pk:
        request.session[SESSION_KEY] = cart.pk
    return cart


def cart_keep_on_login(
    sender: object, request: HttpRequest | None, user: AbstractBaseUser, **kwargs: object
) -> None:
    """user_logged_in receiver: the cart survives login (see cart_attach_to_user)."""
    if request is None or not hasattr(request, "session"):
        return
    cart = cart_attach_to_user(cart_id=request.session.get(SESSION_KEY), user=user)
    if cart is not None:
        request.session[SESSION_KEY] = cart.pk
