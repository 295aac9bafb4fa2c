from __future__ import annotations

from shop.errors import ShopError


class VoucherError(ShopError):
    """A code that cannot be used (now, by this shopper, on this cart), said plainly."""
