"""Delivery methods: a small registry priced in the shop currency from settings.

Owned by the cart (its totals price delivery); checkout and orders use them.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings

from shop.cart.exceptions import CartError


@dataclass(frozen=True)
class DeliveryMethod:
    code: str
    name: str
    description: str
    price: Decimal
    # Free when the subtotal reaches this amount (None: never free).
    free_over: Decimal | None = None

    def price_for(self, subtotal: Decimal) -> Decimal:
        if self.free_over is not None and subtotal >= self.free_over:
            return Decimal(0)
        return self.price


def delivery_methods() -> dict[str, DeliveryMethod]:
    return {
        method.code: method
        for method in (
            DeliveryMethod(
                code="standard",
                name="Standard delivery",
                description="3 to 6 working days",
                price=Decimal(settings.SHOP_DELIVERY_STANDARD_PRICE),
                free_over=Decimal(settings.SHOP_FREE_DELIVERY_OVER),
            ),
            DeliveryMethod(
                code="express",
                name="Express delivery",
                description="1 to 2 working days",
                price=Decimal(settings.SHOP_DELIVERY_EXPRESS_PRICE),
            ),
        )
    }


DEFAULT_DELIVERY = "standard"


def delivery_method_get(code: str) -> DeliveryMethod:
    method = delivery_methods().get(code)
    if method is None:
        raise CartError("Choose a delivery method we offer.")
    return method
