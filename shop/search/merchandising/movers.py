"""What moves the products at the head of a ranking: the firing rules' boosts and
buries, stock (a product with no size to buy sinks) and the signals (popularity,
newness). ``HeadReader`` reads it for a chunk of ids at a time (``head``);
only the products something moves come back, the others gain nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import numpy as np
from django.db import connections

from shop.catalog.models import Product
from shop.id_arrays import IdArray
from shop.search.merchandising.signals import Signals, sales

_ZERO = Decimal(0)
_MICRO = 1_000_000
_PRODUCT = Product._meta.db_table


def _decimal(millionths: int) -> Decimal:
    return Decimal(millionths).scaleb(-6)


class HeadReader:
    """``reader(ids)``: {id: what moves it} for those of ``ids`` something moves.

    ``order``: the ranking (ids, best first); ``ruled``: (weight, the ids it matches)
    of each firing boost (+) and bury (-), read with the ranking in the same statement
    (``placing``; ids not in ``order`` are left out); ``sold_out``: what a product with no
    size to buy loses. For ``head``: ``upper(place)``, the most a product that neither
    sold nor is boosted can score at ``place`` or later (newness bounded by the newest
    product's), and ``climbers()``, the products that sold or that a boost lifts, with
    each one's most. Popularity is known for the whole ranking at once (only products
    that sold lately have a score, and each process keeps them: ``signals.sales``), and
    so are the rules, so a best seller or a boosted product far down is read only if
    it could reach the page, and a chunk costs one plain statement (stock, newness).
    """

    def __init__(
        self,
        order: Sequence[int],
        *,
        ruled: Sequence[tuple[Decimal, Sequence[int]]],
        sold_out: Decimal,
        signals: Signals | None,
        using: str,
        sales_fingerprint: tuple[object, ...] | None = None,
    ) -> None:
        self._sold_out = sold_out
        self._signals = signals
        self._using = using
        self._fixed = max(-sold_out, _ZERO)
        self._n = n = len(order)
        ranking = np.fromiter(order, dtype=np.int64, count=n)
        # What is known of each place up front, in millionths (weights have 2 places,
        # popularity 4: exact integers): the popularity of the product there and what
        # the rules that match it add. Those it lifts are the climbers.
        lift = np.zeros(n, dtype=np.int64)
        if signals is not None:
            self._signals_read(ranking, lift, signals, sales_fingerprint)
        if ruled and n:
            sorter = np.argsort(ranking)
            for weight, ids in ruled:
                matched = np.asarray(ids, dtype=np.int64)
                at = sorter[np.minimum(np.searchsorted(ranking, matched, sorter=sorter), n - 1)]
                lift[at[ranking[at] == matched]] += int(weight * _MICRO)  # others: not ranked
        moved = np.flatnonzero(lift)
        self._lift = dict(zip(ranking[moved].tolist(), lift[moved].tolist(), strict=True))
        self._climbing = moved[lift[moved] > 0]  # the others score no more than ``upper``
        self._climbing_lift = lift[self._climbing]

    def _signals_read(
        self,
        ranking: np.ndarray,
        lift: np.ndarray,
        signals: Signals,
        fingerprint: tuple[object, ...] | None,
    ) -> None:
        """The popularity of the ranking's products that sold (from the per-process
        copy of the sales) into ``lift``, and the newest product's newness (its part of
        the ceiling)."""
        read = sales(fingerprint)
        if read.newest is not None:
            self._fixed += max(signals.newness * signals.newness_of(read.newest), _ZERO)
        if not signals.popularity or not len(read.ids):
            return
        at = np.minimum(np.searchsorted(read.ids, ranking), len(read.ids) - 1)
        places = np.flatnonzero(read.ids[at] == ranking)
        lift[places] += int(signals.popularity * 100) * read.scores[at[places]]

    def upper(self, place: int) -> Decimal:
        """The most a product at ``place`` or later that is not a climber can score,
        ``(n - its place) + n * what moves it`` (``head``)."""
        return self._n - place + self._n * self._fixed

    def climbers(self) -> Sequence[tuple[Decimal, int]]:
        """(the most it can score, its place) of each product of the ranking that sold
        or that a boost matches, best first: ``head`` reads one out of order when it
        could reach the page."""
        n, places = self._n, self._climbing
        best = (n - places) * _MICRO + n * self._climbing_lift
        first = np.lexsort((places, best))[::-1]  # best first (ties: the later place)
        return _Climbers(best[first], places[first], extra=n * self._fixed)

    def __call__(self, ids: Sequence[int]) -> dict[int, Decimal]:
        moved = self._stock_and_newness(ids)
        lift = self._lift
        for pk in ids:
            if pk in lift:
                moved[pk] = moved.get(pk, _ZERO) + _decimal(lift[pk])
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


class _Climbers(Sequence[tuple[Decimal, int]]):
    """``climbers()``: sorted as integers, each made a Decimal only when ``head`` reaches
    it (a page reads the first few of thousands)."""

    def __init__(self, best: np.ndarray, places: np.ndarray, *, extra: Decimal) -> None:
        self._best, self._places, self._extra = best, places, extra

    def __len__(self) -> int:
        return len(self._best)

    def __getitem__(self, index):  # noqa: ANN001, ANN204 (Sequence's signature)
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        return _decimal(int(self._best[index])) + self._extra, int(self._places[index])
