from __future__ import annotations

from django import template

from shop.accounts.wishlist import wishlist_product_ids
from shop.catalog.models import Product

register = template.Library()

# Read once per request: a page of 24 cards asks 24 times.
_CACHE_ATTR = "_wishlist_product_ids"


@register.simple_tag(takes_context=True)
def wishlist_saved(context: template.Context, product: Product) -> bool:
    """Whether the shopper (account or guest session) has saved this product."""
    request = context.get("request")
    if request is None or not hasattr(request, "session"):
        return False
    ids = getattr(request, _CACHE_ATTR, None)
    if ids is None:
        user = request.user if request.user.is_authenticated else None
        ids = wishlist_product_ids(user=user, session=request.session)
        setattr(request, _CACHE_ATTR, ids)
    return product.pk in ids
