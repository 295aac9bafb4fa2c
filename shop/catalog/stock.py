"""Stock: the one owner of "can this size be bought, and how many", and of taking units
and giving them back (issue 16, move 3). Cart, orders, accounts and search ask here.

Stock lives on sizes (``ProductVariant.stock``): ``None`` is untracked (always buyable,
never counted down), 0 is sold out. Units are taken and given back only inside the
transaction that creates or cancels an order, with the tracked sizes locked
(``SELECT ... FOR UPDATE``) in id order, so concurrent checkouts never deadlock and
never oversell.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import F, Q

from shop.catalog.models import ProductVariant


def in_stock_q(prefix: str = "") -> Q:
    """Sizes that can be bought now: active, stock untracked or above zero.

    ``prefix`` reaches them from another model ("variants__" from a product).
    """
    return Q(**{f"{prefix}is_active": True}) & (
        Q(**{f"{prefix}stock__isnull": True}) | Q(**{f"{prefix}stock__gt": 0})
    )


def stock_shortfall(*, variant: ProductVariant, quantity: int) -> int | None:
    """How many of ``quantity`` units this size has, when fewer (0: sold out); None when
    all of them can be had (or the stock is untracked)."""
    if variant.stock is None or variant.stock >= quantity:
        return None
    return max(variant.stock, 0)


def stock_lock(variant_ids: Iterable[int]) -> dict[int, ProductVariant]:
    """Lock the tracked sizes among these, in id order; {id: size} as now stored.

    Call inside the transaction that then takes or gives back their units.
    """
    return {
        variant.pk: variant
        for variant in ProductVariant.objects.select_for_update()
        .filter(pk__in=list(variant_ids), stock__isnull=False)
        .order_by("pk")
    }


def stock_take(*, variant_id: int, quantity: int) -> None:
    """Count ``quantity`` units of a locked, tracked size out (its check already made)."""
    ProductVariant.objects.filter(pk=variant_id, stock__isnull=False).update(
        stock=F("stock") - quantity
    )


def stock_give_back(*, variant_id: int, quantity: int) -> None:
    """Put ``quantity`` units of a locked size back (a size untracked since gets none)."""
    ProductVariant.objects.filter(pk=variant_id, stock__isnull=False).update(
        stock=F("stock") + quantity
    )
