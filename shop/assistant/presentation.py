"""How the assistant shows a product: its price (``shop.money.format_money``) and card."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from shop.catalog.models import Product
from shop.money import format_money

PRICE_UNAVAILABLE = "Price unavailable"


def price_display(price: Decimal | None, stock: int | None) -> str:
    if price is None:
        return PRICE_UNAVAILABLE
    text = format_money(price)
    return f"{text} · out of stock" if stock == 0 else text


def product_card(product: Product, *, note: str = "") -> dict[str, Any]:
    """What the panel, the conversation and the API keep of a product: plain JSON-able data."""
    return {
        "id": product.pk,
        "name": product.name,
        "url": product.get_absolute_url(),
        "image_url": product.thumbnail.url if product.thumbnail else None,
        "article_type": product.category.name,
        "colour": product.base_colour,
        "price": None if product.price is None else str(product.price),
        "price_display": price_display(product.price, product.stock),
        "note": note,
    }
