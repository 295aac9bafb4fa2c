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

from django.db import connections
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.db.models.expressions import RawSQL

from shop.catalog.models import Product
from shop.search.merchandising.signals import Signals
from shop.search.models import ProductPopularity

_ZERO = Decimal(0)
_PRODUCT = Product._meta.db_table
_POPULARITY = ProductPopularity._meta.db_table


def _id_array(ids: Sequence[int]) -> str:
    """The ids as one array parameter: psycopg would write a list item by item."""
    return "{" + ",".join(map(str, ids)) + "}"


class HeadReader:
    """``reader(ids)``: {id: what moves it} for those of ``ids`` something moves.

    ``rules``: (condition, weight) of the firing boosts (+) and buries (-);
    ``sold_out``: what a product with no size to buy loses. ``ceiling``: the most
    anything adds to any product (the boosts', a negative sold-out weight's and the
    signals' most), so no product read later can climb further.
    """

    def __init__(
        self,
        *,
        rules: list[tuple[Q, Decimal]],
        sold_out: Decimal,
        signals: Signals | None,
        using: str,
    ) -> None:
        self._rules = rules
        self._sold_out = sold_out
        self._signals = signals
        self._using = using
        self.ceiling = sum((max(weight, _ZERO) for _c, weight in rules), max(-sold_out, _ZERO))
        if signals is not None:
            self.ceiling += signals.ceiling(using=using)

    def __call__(self, ids: Sequence[int]) -> dict[int, Decimal]:
        moved = self._stock_and_signals(ids)
        for pk, added in self._by_rules(ids).items():
            moved[pk] = moved.get(pk, _ZERO) + added
        return moved

    def _stock_and_signals(self, ids: Sequence[int]) -> dict[int, Decimal]:
        """Plain SQL: the part every search with stock or signals reads, where what the
        ORM spends building a statement would be most of the cost."""
        signals, sold_out = self._signals, self._sold_out
        moves = ["NOT p.in_stock"] if sold_out else []
        params: list[object] = [_id_array(ids)]
        if signals is not None and signals.popularity:
            moves.append("s.score > 0")
        if signals is not None and signals.newness:
            moves.append("p.created_at > %s")
            params.append(signals.faded)
        if not moves:
            return {}
        with connections[self._using].cursor() as cursor:
            cursor.execute(
                # Each product's sales row looked up by its key: a head is a few hundred
                # products, and the hash join the planner would pick reads the whole
                # sales table every time (LIMIT 1 keeps the lookup a lookup).
                f"SELECT p.id, p.in_stock, s.score, p.created_at FROM {_PRODUCT} p LEFT JOIN"
                f" LATERAL (SELECT score FROM {_POPULARITY} WHERE product_id = p.id LIMIT 1) s"
                f" ON true WHERE p.id = ANY(%s::bigint[]) AND ({' OR '.join(moves)})",
                params,
            )
            rows = cursor.fetchall()
        moved = {}
        for pk, in_stock, popularity, created_at in rows:
            moved[pk] = _ZERO if in_stock else -sold_out
            if signals is not None:
                moved[pk] += signals.value(popularity, created_at)
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
        chunk = RawSQL(
            f'"{_PRODUCT}"."id" = ANY(%s::bigint[])', (_id_array(ids),), output_field=BooleanField()
        )
        rows = (
            Product.objects.using(self._using)
            .filter(chunk)
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
