from __future__ import annotations

from shop.errors import ShopError


class CartError(ShopError):
    """An expected failure in the cart or checkout, with a message fit for the shopper."""
