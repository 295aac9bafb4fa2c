from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Sum

from shop.cart.models import Cart, CartLine
from shop.catalog.models import Product, ProductVariant
from shop.catalog.stock import stock_shortfall
from shop.promotions.exceptions import VoucherError
from shop.promotions.models import Voucher
from shop.promotions.selectors import PricedLine, voucher_apply

if TYPE_CHECKING:
    from shop.cart.delivery import DeliveryMethod


@dataclass(frozen=True)
class CartItem:
    """One cart line priced from the catalog now, with what stands in the way of buying it."""

    line: CartLine
    variant: ProductVariant
    product: Product
    unit_price: Decimal | None
    problem: str = ""

    @property
    def quantity(self) -> int:
        return self.line.quantity

    @property
    def line_total(self) -> Decimal | None:
        return None if self.unit_price is None else self.unit_price * self.line.quantity

    @property
    def label(self) -> str:
        return f"{self.product.name} (size {self.variant.size})"


@dataclass(frozen=True)
class CartSummary:
    cart_id: int | None
    items: list[CartItem] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(item.quantity for item in self.items)

    @property
    def subtotal(self) -> Decimal:
        return sum((item.line_total or Decimal(0) for item in self.items), Decimal(0))

    @property
    def is_empty(self) -> bool:
        return not self.items

    @property
    def problems(self) -> list[str]:
        return [item.problem for item in self.items if item.problem]

    @property
    def priced_lines(self) -> list[PricedLine]:
        """The lines as a voucher sees them (keyed by cart line id)."""
        return [
            PricedLine(
                key=item.line.pk,
                brand_id=item.product.brand_id,
                category_id=item.product.category_id,
                amount=item.line_total or Decimal(0),
            )
            for item in self.items
        ]

    @property
    def fingerprint(self) -> str:
        """Changes whenever what checkout would sell changes (lines, quantities, prices)."""
        parts = sorted(f"{i.variant.pk}:{i.quantity}:{i.unit_price}" for i in self.items)
        return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]


@dataclass(frozen=True)
class CartTotals:
    """What the cart costs: the one place subtotal, discount, delivery and total are added."""

    subtotal: Decimal
    discount: Decimal
    delivery: Decimal
    voucher_code: str = ""
    # Why the applied code takes nothing off now ("" when it does, or there is none).
    voucher_error: str = ""
    voucher: Voucher | None = None
    # Cart line id -> amount off that line.
    line_discounts: dict[int, Decimal] = field(default_factory=dict)
    lines_fingerprint: str = ""

    @property
    def total(self) -> Decimal:
        return self.subtotal - self.discount + self.delivery

    @property
    def fingerprint(self) -> str:
        """The lines' fingerprint, changed also by the voucher and what it takes off."""
        if not self.voucher_code:
            return self.lines_fingerprint
        key = f"{self.lines_fingerprint}|{self.voucher_code}|{self.discount}"
        return hashlib.sha256(key.encode()).hexdigest()[:32]


def cart_totals(
    *,
    summary: CartSummary,
    delivery: DeliveryMethod,
    voucher_code: str = "",
    email: str = "",
    user: AbstractBaseUser | None = None,
    lock_voucher: bool = False,
) -> CartTotals:
    """Subtotal, voucher discount (line by line), delivery and total, to the paisa.

    Delivery is priced on what the goods cost after the discount (free delivery is
    earned by what the shopper pays). ``lock_voucher`` takes the voucher's row lock:
    checkout does, so that its limits are counted by one checkout at a time.
    """
    subtotal = summary.subtotal
    discount, error, voucher, line_discounts = Decimal(0), "", None, {}
    if voucher_code and not summary.is_empty:
        try:
            applied = voucher_apply(
                code=voucher_code,
                lines=summary.priced_lines,
                email=email,
                user=user,
                lock=lock_voucher,
            )
        except VoucherError as failure:
            error = failure.message
        else:
            voucher, line_discounts, discount = applied.voucher, applied.lines, applied.total
    delivery_price = Decimal(0) if summary.is_empty else delivery.price_for(subtotal - discount)
    return CartTotals(
        subtotal=subtotal,
        discount=discount,
        delivery=delivery_price,
        voucher_code=voucher_code,
        voucher_error=error,
        voucher=voucher,
        line_discounts=line_discounts,
        lines_fingerprint=summary.fingerprint,
    )


def item_problem(*, variant: ProductVariant, product: Product, quantity: int) -> str:
    """Why these units cannot be bought now ("" when they can)."""
    label = f"{product.name} (size {variant.size})"
    if not (variant.is_active and product.is_active) or product.price is None:
        return f"{label} is no longer available; please remove it."
    left = stock_shortfall(variant=variant, quantity=quantity)
    if left == 0:
        return f"{label} is out of stock; please remove it."
    if left is not None:
        return f"Only {left} of {label} left; please lower the quantity."
    return ""


def cart_summary(*, cart_id: int | None) -> CartSummary:
    """The cart's lines with current catalog prices and availability."""
    if cart_id is None:
        return CartSummary(cart_id=None)
    lines = CartLine.objects.filter(cart_id=cart_id).select_related(
        "variant__product__brand", "variant__product__category"
    )
    return CartSummary(cart_id=cart_id, items=[cart_item(line=line) for line in lines])


def cart_item(*, line: CartLine, variant: ProductVariant | None = None) -> CartItem:
    """A cart line priced now from the database; ``variant`` a fresher (locked) copy."""
    variant = variant or line.variant
    product = line.variant.product
    return CartItem(
        line=line,
        variant=variant,
        product=product,
        unit_price=product.price,
        problem=item_problem(variant=variant, product=product, quantity=line.quantity),
    )


def cart_count(*, cart_id: int | None) -> int:
    """Units in the cart, for the header's mini-cart."""
    if cart_id is None:
        return 0
    total = CartLine.objects.filter(cart_id=cart_id).aggregate(n=Sum("quantity"))["n"]
    return total or 0


def cart_get(*, cart_id: int | None) -> Cart | None:
    if cart_id is None:
        return None
    return Cart.objects.filter(pk=cart_id).first()
