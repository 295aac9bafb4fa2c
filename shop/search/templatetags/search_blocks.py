"""Search's blocks on other apps' pages, rendered where a page wants them without the
page's app importing search: the department menu (every page's header) and a product
page's look-alikes."""

from __future__ import annotations

from django import template

from shop.catalog.models import Product
from shop.search.navigation import department_navigation
from shop.search.selectors import product_similar

register = template.Library()

SIMILAR_COUNT = 8


@register.inclusion_tag("partials/department_nav.html")
def department_nav() -> dict[str, object]:
    return {"departments": department_navigation()}


@register.inclusion_tag("search/partials/similar.html")
def similar_products(product: Product) -> dict[str, object]:
    return {"similar": product_similar(product=product, k=SIMILAR_COUNT)}
