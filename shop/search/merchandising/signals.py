"""The business signals in a ranking: popularity (units sold lately) and newness."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from functools import cached_property

import numpy as np
from django.conf import settings
from django.utils import timezone

from shop.catalog.models import Product
from shop.search.models import ProductPopularity
from shop.search.vocabulary import RebuiltWhenChanged, fingerprint_read

_ZERO = Decimal(0)
_PRODUCT = Product._meta.db_table
_POPULARITY = ProductPopularity._meta.db_table
_PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class Signals:
    """The business signals' weights (settings) and the moment newness is measured at.

    Popularity is ``search.ProductPopularity.score`` (0-1, refreshed hourly from
    orders); newness fades from 1 on the import day to 0 after ``SHOP_NEWNESS_DAYS``.
    Both are exact decimals (4 places), so no order hangs on a float.
    """

    popularity: Decimal
    newness: Decimal
    now: datetime

    @classmethod
    def current(cls) -> Signals:
        def weight(value: float) -> Decimal:
            return Decimal(str(value)).quantize(Decimal("0.01"))

        return cls(
            popularity=weight(settings.SHOP_SEARCH_POPULARITY_WEIGHT),
            newness=weight(settings.SHOP_SEARCH_NEWNESS_WEIGHT),
            now=timezone.now(),
        )

    def __bool__(self) -> bool:
        return bool(self.popularity or self.newness)

    @cached_property
    def faded(self) -> datetime:
        """Products imported at or before this have no newness left."""
        return self.now - timedelta(days=settings.SHOP_NEWNESS_DAYS)

    def newness_of(self, created_at: datetime) -> Decimal:
        days = Decimal((self.now - created_at).total_seconds()) / Decimal(86400)
        fresh = 1 - days / Decimal(settings.SHOP_NEWNESS_DAYS)
        return min(max(fresh, _ZERO), Decimal(1)).quantize(_PLACES, ROUND_HALF_EVEN)

    def value(self, popularity: Decimal | None, created_at: datetime) -> Decimal:
        """What the signals add to one product's score."""
        gain = self.popularity * popularity if popularity else _ZERO
        if self.newness and created_at > self.faded:  # older: newness_of is 0
            gain += self.newness * self.newness_of(created_at)
        return gain


@dataclass(frozen=True)
class Sales:
    """What the signals read besides a product's own row: every product's popularity
    (only products that sold lately have one) and the newest product's import time."""

    ids: np.ndarray  # the products that sold lately, sorted
    scores: np.ndarray  # their popularity in ten-thousandths (4 places: exact integers)
    newest: datetime | None


# Read on every search, from two indexes' ends: the refresh rewrites every row with a
# new time (writers set ``refreshed_at``), and the newest import bounds newness.
SALES_FINGERPRINT_SQL = f"""
SELECT (SELECT max(refreshed_at) FROM {_POPULARITY}), (SELECT max(created_at) FROM {_PRODUCT})
"""  # noqa: S608 (table names only)


def _sales_read() -> Sales:
    newest = Product.objects.order_by("-created_at").values_list("created_at", flat=True).first()
    rows = ProductPopularity.objects.filter(score__gt=0).order_by("product_id")
    pairs = list(rows.values_list("product_id", "score"))
    return Sales(
        ids=np.array([pk for pk, _score in pairs], dtype=np.int64),
        scores=np.array([int(score * 10_000) for _pk, score in pairs], dtype=np.int64),
        newest=newest,
    )


# Each process keeps the scores (a few per cent of the catalog: the products that sold)
# and reads them again only after the hourly refresh or an import: a search then looks
# its ranking up in memory instead of sending it to PostgreSQL.
_sales = RebuiltWhenChanged(
    fingerprint=lambda: fingerprint_read(SALES_FINGERPRINT_SQL, ProductPopularity),
    build=_sales_read,
)


def sales(fingerprint: tuple[object, ...] | None = None) -> Sales:
    """The sales as this process keeps them (``fingerprint``: the ``SALES_FINGERPRINT_SQL``
    row, when the caller read it already)."""
    return _sales.get(fingerprint)
