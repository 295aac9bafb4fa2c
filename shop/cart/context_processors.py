from __future__ import annotations

from functools import cache

from django.http import HttpRequest

from shop.cart.selectors import cart_count
from shop.cart.session import cart_id_for_request


def cart(request: HttpRequest) -> dict[str, object]:
    """``cart_count`` for the header's mini-cart, counted only if a template shows it."""

    @cache
    def count() -> int:
        if not hasattr(request, "session"):
            return 0
        return cart_count(cart_id=cart_id_for_request(request))

    return {"cart_count": count}
