from __future__ import annotations

import dataclasses
from decimal import Decimal

from shop.cart.tests.factories import product_make
from shop.orders.models import Order
from shop.orders.services import order_place
from shop.orders.tests.helpers import DETAILS, cart_with, token
from shop.promotions.models import Voucher, VoucherKind


def voucher_make(
    *,
    code: str = "SAVE10",
    kind: str = VoucherKind.PERCENTAGE,
    value: str = "10",
    **fields: object,
) -> Voucher:
    if "minimum_order" in fields:
        fields["minimum_order"] = Decimal(str(fields["minimum_order"]))
    voucher = Voucher.objects.create(code=code, kind=kind, value=Decimal(value), **fields)
    voucher.refresh_from_db()
    return voucher


def order_make(**details: str) -> Order:
    """An order of one kurta, placed by checkout (``details`` override the address)."""
    product = product_make()
    cart = cart_with((product, "M", 1))
    return order_place(
        cart_id=cart.pk, details=dataclasses.replace(DETAILS, **details), checkout_token=token()
    )
