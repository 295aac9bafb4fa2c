"""What moves the products at the head of a ranking: the firing rules' boosts and
buries, stock (a product with no size to buy sinks) and the signals (popularity,
newness). ``HeadReader`` reads it for a chunk of ids at a time (``head``);
only the products something moves come back, the others gain nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from functools import reduce
from operator import or_

import numpy as np
from django.db import connections
from django.db.models import BooleanField, ExpressionWrapper, Q

from shop.catalog.models import Product
from shop.id_arrays import IdArray
from shop.search.merchandising.signals import Signals, sales

_ZERO = Decimal(0)
_MICRO = 1_000_000


def _decimal(millionths: int) -> Decimal:
    return Decimal(millionths).scaleb(-6)


_PRODUCT = Product._meta.db_table


class HeadReader:
    """``reader(ids)``: {id: what moves it} for those of ``ids`` something moves.

    ``order``: the ranking (ids, best first); ``rules``: (condition, weight) of the
    firing boosts (+) and buries (-); ``sold_out``: what a product with no size to buy
    loses. For ``head``: ``upper(place)``, the most a product that did not sell can
    score at ``place`` or later (the boosts, a negative sold-out weight and newness
    bounded by their largest), and ``climbers()``, the products that sold with each
    one's most. Popularity is known for the whole ranking at once (only products that
    sold lately have a score, and each process keeps them: ``signals.sales``), so a best
    seller far down is read only if it could reach the page.
    """

    def __init__(
        self,
        order: Sequence[int],
        *,
        rules: list[tuple[Q, Decimal]],
        sold_out: Decimal,
        signals: Signals | None,
        using: str,
        sales_fingerprint: tuple[object, ...] | None = None,
    ) -> None:
        self._rules = rules
        self._sold_out = sold_out
        self._signals = signals
        self._using = using
        self._fixed = sum((max(weight, _ZERO) for _c, weight in rules), max(-sold_out, _ZERO))
        self._n = len(order)
        # Popularity in millionths (weights have 2 places, scores 4: exact integers).
        self._popularity: dict[int, int] = {}
        self._places: list[int] = []  # where the popular products are in the ranking
        self._lifted: list[int] = []  # (n - place) + n * popularity of each, millionths
        if signals is not None:
            self._signals_read(order, signals, sales_fingerprint)

    def _signals_read(
        self, order: Sequence[int], signals: Signals, fingerprint: tuple[object, ...] | None
    ) -> None:
        """The popularity of the ranking's products that sold (from the per-process
        copy of the sales), and the newest product's newness (its part of the ceiling)."""
        read = sales(fingerprint)
        if read.newest is not None:
            self._fixed += max(signals.newness * signals.newness_of(read.newest), _ZERO)
        if not signals.popularity or not len(read.ids):
            return
        # Where the ranking's products that sold are, and what popularity lifts them by.
        ranking = np.fromiter(order, dtype=np.int64, count=len(order))
        at = np.minimum(np.searchsorted(read.ids, ranking), len(read.ids) - 1)
        places = np.flatnonzero(read.ids[at] == ranking)
        lifts = int(signals.popularity * 100) * read.scores[at[places]]
        n = self._n
        self._popularity = dict(zip(ranking[places].tolist(), lifts.tolist(), strict=True))
        self._places = places.tolist()
        # Each one's score with its popularity, before the bounded part (millionths).
        self._lifted = ((n - places) * _MICRO + n * lifts).tolist()

    def upper(self, place: int) -> Decimal:
        """The most a product at ``place`` or later that did not sell can score,
        ``(n - its place) + n * what moves it`` (``head``)."""
        return self._n - place + self._n * self._fixed

    def climbers(self) -> list[tuple[Decimal, int]]:
        """(the most it can score, its place) of each product of the ranking that sold,
        best first: ``head`` reads one out of order when it could reach the page."""
        lifted = sorted(zip(self._lifted, self._places, strict=True), reverse=True)
        extra = self._n * self._fixed
        return [(_decimal(best) + extra, place) for best, place in lifted]

    def __call__(self, ids: Sequence[int]) -> dict[int, Decimal]:
        moved = self._stock_and_newness(ids)
        popularity = self._popularity
        for pk in ids:
            if pk in popularity:
                moved[pk] = moved.get(pk, _ZERO) + _decimal(popularity[pk])
        for pk, added in self._by_rules(ids).items():
            moved[pk] = moved.get(pk, _ZERO) + added
        return moved

    def _stock_and_newness(self, ids: Sequence[int]) -> dict[int, Decimal]:
        """Plain SQL: the part every search with stock or newness reads, where what the
        ORM spends building a statement would be most of the cost."""
        signals, sold_out = self._signals, self._sold_out
        moves = ["NOT p.in_stock"] if sold_out else []
        params: list[object] = [IdArray(ids).literal]
        if signals is not None and signals.newness:
            moves.append("p.created_at > %s")
            params.append(signals.faded)
        if not moves:
            return {}
        with connections[self._using].cursor() as cursor:
            cursor.execute(
                f"SELECT p.id, p.in_stock, p.created_at FROM {_PRODUCT} p"
                f" WHERE p.id = ANY(%s::bigint[]) AND ({' OR '.join(moves)})",
                params,
            )
            rows = cursor.fetchall()
        moved = {}
        for pk, in_stock, created_at in rows:
            moved[pk] = _ZERO if in_stock else -sold_out
            if signals is not None:
                moved[pk] += signals.value(None, created_at)
        return moved

    def _by_rules(self, ids: Sequence[int]) -> dict[int, Decimal]:
        """What the firing boosts and buries add (their conditions are the storefront's
        filters, so the ORM writes them)."""
        if not self._rules:
            return {}
        flags = {
            f"rule_{i}": ExpressionWrapper(condition, output_field=BooleanField())
            for i, (condition, _weight) in enumerate(self._rules)
        }
        rows = (
            Product.objects.using(self._using)
            .filter(id__any=IdArray(ids))
            .filter(reduce(or_, (condition for condition, _weight in self._rules)))
            .annotate(**flags)
            .order_by()
            .values_list("id", *flags)
        )
        moved = {}
        for pk, *hits in rows:
            moved[pk] = sum(
                (weight for (_c, weight), hit in zip(self._rules, hits, strict=True) if hit), _ZERO
            )
        return moved
