from __future__ import annotations

from shop.errors import ShopError


class AccountError(ShopError):
    """An expected failure on an account page or the wishlist, fit to show the shopper."""
