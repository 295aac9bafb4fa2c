"""``{% product_recommendations product %}`` and ``{% cart_recommendations products %}``:
the recommendation blocks, rendered where a page wants them (the product page, the cart)
without the page's app importing this one."""

from __future__ import annotations

from django import template

from shop.catalog.models import Product
from shop.catalog.viewed import viewed_ids
from shop.recommendations import selectors

register = template.Library()


@register.inclusion_tag("recommendations/blocks.html", takes_context=True)
def product_recommendations(context: template.Context, product: Product) -> dict[str, object]:
    viewed = viewed_ids(context["request"])
    # The page shows its own look-alikes ("Similar products").
    blocks = selectors.product_recommendations(product=product, viewed=viewed, look_alikes=False)
    return {"blocks": blocks}


@register.inclusion_tag("recommendations/blocks.html", takes_context=True)
def cart_recommendations(context: template.Context, summary: object) -> dict[str, object]:
    """Under the cart: ``summary`` is the cart page's (its items' products are left out)."""
    product_ids = [item.product.pk for item in getattr(summary, "items", ())]
    if not product_ids:
        return {"blocks": []}
    viewed = viewed_ids(context["request"])
    blocks = selectors.cart_recommendations(product_ids=product_ids, viewed=viewed)
    return {"blocks": blocks}
