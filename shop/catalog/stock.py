"""Stock: the one owner of "can this size be bought, and how many", and of taking units
and giving them back (issue 16, move 3). Cart, orders, accounts and search ask here.

Stock lives on sizes (``ProductVariant.stock``): ``None`` is untracked (always buyable,
never counted down), 0 is sold out. Units are taken and given back only inside the
transaction that creates or cancels an order, with the tracked sizes locked
(``SELECT ... FOR UPDATE``) in id order, so concurrent checkouts never deadlock and
never oversell.

Whether a product can be bought (``Product.in_stock``: one of its sizes can) is kept
by the database (migration 0015's triggers) from whatever writes the sizes: this
module, the importer, the admin's size inlines, bulk updates. Search reads that one
column (``in_stock_product_q``) instead of the sizes. The triggers lock a product
whose sizes changed state; ``stock_lock`` takes the products first, in id order, as
the admin and the importer do (they save the product before its sizes), so no two
writers wait on each other in opposite orders.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import F, Q

# in_stock_q and in_stock_sizes are defined beside the fields they read (models.py, whose
# card query, like the size facet, reads the same rule as SQL: IN_STOCK_SIZE_SQL); callers
# ask for them here.
from shop.catalog.models import IN_STOCK_SIZE_SQL as IN_STOCK_SIZE_SQL
from shop.catalog.models import Product, ProductVariant
from shop.catalog.models import in_stock_q as in_stock_q
from shop.catalog.models import in_stock_sizes as in_stock_sizes


def in_stock_product_q() -> Q:
    """Products that can be bought now: a size of theirs is in stock (see above)."""
    return Q(in_stock=True)


def stock_shortfall(*, variant: ProductVariant, quantity: int) -> int | None:
    """How many of ``quantity`` units this size has, when fewer (0: sold out); None when
    all of them can be had (or the stock is untracked)."""
    if variant.stock is None or variant.stock >= quantity:
        return None
    return max(variant.stock, 0)


def stock_lock(variant_ids: Iterable[int]) -> dict[int, ProductVariant]:
    """Lock the tracked sizes among these, in id order; {id: size} as now stored.

    Call inside the transaction that then takes or gives back their units. Their
    products are locked first, in id order (the module docstring says why).
    """
    variant_ids = list(variant_ids)
    tracked = ProductVariant.objects.filter(pk__in=variant_ids, stock__isnull=False)
    list(
        Product.objects.select_for_update(no_key=True)
        .filter(pk__in=tracked.values("product_id"))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return {
        variant.pk: variant
        for variant in ProductVariant.objects.select_for_update()
        .filter(pk__in=variant_ids, stock__isnull=False)
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
