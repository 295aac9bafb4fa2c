"""Popularity: units sold over the last ``SHOP_POPULARITY_DAYS``, written into
``catalog.ProductPopularity`` for search to rank with (a periodic task, never per request).

Cancelled orders do not count. Each product's score is its units over the best seller's,
exact to four places, so the ranking compares decimals, never floats.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_HALF_EVEN, Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from shop.orders.models import OrderLine, OrderStatus
from shop.search.models import ProductPopularity

_PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class PopularitySummary:
    products: int
    best_units: int

    def lines(self) -> list[str]:
        return [f"{self.products} products sold in the window; best seller {self.best_units} units"]


def popularity_refresh() -> PopularitySummary:
    """Recompute every product's popularity from the window's orders (replacing all)."""
    now = timezone.now()
    since = now - timedelta(days=settings.SHOP_POPULARITY_DAYS)
    sold = dict(
        OrderLine.objects.filter(order__created_at__gte=since, variant__isnull=False)
        .exclude(order__status=OrderStatus.CANCELLED)
        .values_list("variant__product_id")
        .annotate(units=Sum("quantity"))
        .values_list("variant__product_id", "units")
    )
    best = max(sold.values(), default=0)
    rows = [
        ProductPopularity(
            product_id=product_id,
            units_sold=units,
            score=(Decimal(units) / Decimal(best)).quantize(_PLACES, ROUND_HALF_EVEN),
            refreshed_at=now,
        )
        for product_id, units in sold.items()
        if units > 0
    ]
    with transaction.atomic():
        ProductPopularity.objects.all().delete()
        ProductPopularity.objects.bulk_create(rows)
    return PopularitySummary(products=len(rows), best_units=best)
