from __future__ import annotations

from shop.errors import ShopError


class CatalogError(ShopError):
    """An expected failure in the catalog app, with a message fit for the user."""
