from __future__ import annotations

from shop.catalog.models import Product


def product_get(*, pk: int) -> Product:
    """A product a shopper may see, with what its page and cards show."""
    return Product.objects.browsable().for_display().get(pk=pk)
