from __future__ import annotations

from django import template

from shop.catalog.models import Product, ProductVariant

register = template.Library()


@register.simple_tag
def sizes_for(product: Product) -> list[ProductVariant]:
    """The sizes a shopper may pick (uses prefetched variants when the view loaded them)."""
    return [variant for variant in product.variants.all() if variant.is_active]
