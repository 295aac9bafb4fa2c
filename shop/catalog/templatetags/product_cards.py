"""``{% product_card product %}``: the one product card, rendered once per distinct card."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from shop.catalog.cards import card_html
from shop.catalog.models import Product

register = template.Library()


@register.simple_tag
def product_card(product: Product) -> SafeString:
    return card_html(product)
