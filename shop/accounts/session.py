"""Login hooks that keep what a guest did before logging in."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest

from shop.accounts.wishlist import wishlist_merge_session


def wishlist_keep_on_login(
    sender: object, request: HttpRequest | None, user: AbstractBaseUser, **kwargs: object
) -> None:
    """user_logged_in receiver: a guest's wishlist joins the account's (like the cart)."""
    if request is None or not hasattr(request, "session"):
        return
    wishlist_merge_session(user=user, session=request.session)
