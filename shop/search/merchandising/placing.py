"""What the firing rules and stock do to a ranking: the plan, and ``apply``."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import islice

from django.conf import settings
from django.db.models import Q, QuerySet

from shop.catalog.models import Product
from shop.id_arrays import ids_matching
from shop.search.filters import ProductFilters, ordering
from shop.search.merchandising.head import HeadOrder
from shop.search.merchandising.movers import HeadReader
from shop.search.merchandising.signals import SALES_FINGERPRINT_SQL, Signals
from shop.search.merchandising.triggers import RULES_FINGERPRINT_SQL, rules_active, rules_firing
from shop.search.models import MerchandisingRule
from shop.search.vocabulary import Vocabulary, fingerprint_read

Rule = MerchandisingRule
# Storefront filter names a boost or bury may use.
RULE_FILTERS = ("category", "gender", "colour", "brand", "season", "usage")
RULE_PRICES = ("price_min", "price_max")
_ZERO = Decimal(0)


def rule_filters(rule: Rule) -> ProductFilters:
    """A boost's or bury's filters as the storefront's (already validated)."""
    values = rule.filters or {}
    facets = {
        name: tuple([values[name]] if isinstance(values[name], str) else values[name])
        for name in RULE_FILTERS
        if name in values
    }
    prices = {
        name: Decimal(str(values[name])) for name in RULE_PRICES if values.get(name) is not None
    }
    return ProductFilters(**facets, **prices)


def _condition(filters: ProductFilters) -> Q:
    condition = Q()
    for facet in (*RULE_FILTERS, "price"):
        part = filters.condition(facet)
        if part is not None:
            condition &= part
    return condition


@dataclass
class Plan:
    """What the firing rules ask of one search or category page."""

    rules: list[Rule] = field(default_factory=list)
    pins: list[tuple[int, int]] = field(default_factory=list)  # (position, product id)
    hidden: frozenset[int] = frozenset()
    weights: list[tuple[Q, Decimal]] = field(default_factory=list)
    # The sales' fingerprint, read with the rules' (``merchandising_state``): a search
    # with the signals on then needs no round trip of its own to know its copy is current.
    sales_fingerprint: tuple[object, ...] | None = None

    @property
    def pinned(self) -> list[int]:
        return [pk for _position, pk in self.pins]

    def visible(self, queryset: QuerySet[Product]) -> QuerySet[Product]:
        """Without the hidden products: facets, counts and results never show them."""
        return queryset.exclude(id__in=self.hidden) if self.hidden else queryset

    def matched_or_pinned(self, condition: Q) -> Q:
        """A search's matched products, and the pinned ones the floor may have dropped."""
        return condition | Q(id__in=self.pinned) if self.pins else condition


def merchandising_state() -> tuple[tuple[object, ...], tuple[object, ...]]:
    """The rules' and the sales' fingerprints, in one statement (``RebuiltWhenChanged``)."""
    row = fingerprint_read(
        f"SELECT * FROM ({RULES_FINGERPRINT_SQL}) r CROSS JOIN ({SALES_FINGERPRINT_SQL}) s",
        Rule,
    )
    return row[:2], row[2:]


def plan_for(
    *,
    words: str,
    categories: Iterable[str],
    rules: Iterable[Rule] | None = None,
    vocabulary: Vocabulary | None = None,
) -> Plan:
    """The plan of the rules that fire (``rules``: the candidates, default the active
    ones; ``vocabulary``: the one the caller read the words with, if it did)."""
    sales_fingerprint = None
    if rules is None:
        rules_fingerprint, sales_fingerprint = merchandising_state()
        rules = rules_active(fingerprint=rules_fingerprint)
    firing = rules_firing(rules, words=words, categories=categories, vocabulary=vocabulary)
    hidden = frozenset(rule.product_id for rule in firing if rule.action == Rule.HIDE)
    pins: list[tuple[int, int]] = []
    seen: set[int] = set()
    for rule in firing:  # precedence order: a product keeps its first pin
        if rule.action == Rule.PIN and rule.product_id not in seen | hidden:
            seen.add(rule.product_id)
            pins.append((rule.position or 1, rule.product_id))
    weights = [
        (_condition(rule_filters(rule)), rule.weight if rule.action == Rule.BOOST else -rule.weight)
        for rule in firing
        if rule.action in (Rule.BOOST, Rule.BURY) and rule.weight
    ]
    return Plan(
        rules=firing,
        pins=pins,
        hidden=hidden,
        weights=weights,
        sales_fingerprint=sales_fingerprint,
    )


def sold_out_weight() -> Decimal:
    return Decimal(str(settings.SHOP_SEARCH_SOLD_OUT_WEIGHT)).quantize(Decimal("0.01"))


class Placed(Sequence[int]):
    """Product ids in the order shown: ``rest`` (a list or an ordered id queryset) with
    the pins at their positions. Sliced lazily, so a paginator reads one page."""

    def __init__(
        self,
        rest: Sequence[int] | QuerySet,
        pins: list[tuple[int, int]],
        *,
        length: int | None = None,
    ) -> None:
        self._rest = rest
        if length is None:
            length = (rest.count() if isinstance(rest, QuerySet) else len(rest)) + len(pins)
        self._length = length
        taken: dict[int, int] = {}
        overflow = []
        for position, pk in sorted(pins, key=lambda pin: pin[0]):
            index = position - 1
            while index in taken:
                index += 1
            if index < self._length:
                taken[index] = pk
            else:
                overflow.append(pk)
        # Pins past the end close the list, in their order: the last free places, looked
        # for from the end (not a walk of the whole list).
        free = list(
            islice((i for i in range(self._length - 1, -1, -1) if i not in taken), len(overflow))
        )
        taken.update(zip(sorted(free), overflow, strict=True))
        self._pins = dict(sorted(taken.items()))

    def __len__(self) -> int:
        return self._length

    def count(self, value: int | None = None) -> int:  # Paginator reads count()
        return self._length if value is None else list(self).count(value)

    def __getitem__(self, index):  # noqa: ANN001, ANN204 (Sequence's signature)
        if isinstance(index, int):
            return self[index : index + 1][0]
        start, stop, _step = index.indices(self._length)
        if start >= stop:
            return []
        before = sum(1 for i in self._pins if i < start)
        inside = sum(1 for i in self._pins if start <= i < stop)
        rest = list(self._rest[start - before : stop - before - inside])
        out: list[int] = []
        for position in range(start, stop):
            out.append(self._pins[position] if position in self._pins else rest.pop(0))
        return out


def apply(
    queryset: QuerySet[Product],
    *,
    plan: Plan,
    ranked: list[int] | None = None,
    sort: str = "relevance",
) -> Placed:
    """The order to show ``queryset`` in (see the module docstring).

    ``queryset``: the products that may show (the shopper's filters applied, hidden
    ones out, pinned ones in). ``ranked``: their relevance order, best first (a
    search), or None to rank them by ``sort`` (browsing, or a sort the shopper
    chose), read as one array of ids, and move that ranking the same way. Pins apply
    under relevance only.
    """
    relevance = sort == "relevance"
    sold_out = sold_out_weight()
    # Sales and newness move a relevance ranking, never a sort the shopper chose.
    signals = Signals.current() if relevance else None
    if not signals:  # both weights 0: relevance and rules alone, as before
        signals = None
    pins = plan.pins if relevance else []
    pinned = {pk for _position, pk in pins}
    # The firing boosts and buries: which products they move is read with the ranking.
    weights = plan.weights if relevance else []
    conditions = [condition for condition, _weight in weights]
    moves = bool(sold_out or weights or signals is not None)
    if ranked is None:
        browsing = queryset.order_by(*ordering(sort))
        if not (moves or pins):  # nothing moves: the sort is the order
            return Placed(browsing.values_list("id", flat=True), [], length=queryset.count())
        # Browsing is ranked by its sort, then moved as a search's ranking is: the same
        # scores and ties, and only the head that can reach the page is read.
        ranked, matching = ids_matching(browsing, conditions, ordered=True)
        order = [pk for pk in ranked if pk not in pinned] if pinned else ranked
        shown = set(ranked) if pins else set()
    elif not ranked and not pins:  # nothing ranked and nothing pinned: nothing to read
        return Placed([], [])
    else:
        # Which of the ranked products may show: their ids, as one array (the count and
        # the pins need it), with the ones each firing boost or bury moves.
        ids, matching = ids_matching(queryset, conditions)
        shown = set(ids)
        order = [pk for pk in ranked if pk in shown and pk not in pinned]
    shown_order: Sequence[int] = order
    if moves and order:
        ruled = [(weight, ids) for (_c, weight), ids in zip(weights, matching, strict=True)]
        shown_order = _moved(
            order, ruled=ruled, sold_out=sold_out, signals=signals, using=queryset.db, plan=plan
        )
    return Placed(shown_order, [p for p in pins if p[1] in shown])


def _moved(
    order: list[int],
    *,
    ruled: list[tuple[Decimal, list[int]]],
    sold_out: Decimal,
    signals: Signals | None,
    using: str,
    plan: Plan,
) -> Sequence[int]:
    """``order`` moved by the rules' boosts and buries (``ruled``: each one's weight and
    the ids it matches), stock (``sold_out``: what a product with no size to buy loses)
    and signals. What moves a product besides the rules (stock, newness) is read only
    for the head of the ranking that can still reach the page asked for (``head``,
    ``movers``)."""
    read = HeadReader(
        order,
        ruled=ruled,
        sold_out=sold_out,
        signals=signals,
        using=using,
        sales_fingerprint=plan.sales_fingerprint,
    )
    return HeadOrder(order, read=read, upper=read.upper, climbers=read.climbers())
