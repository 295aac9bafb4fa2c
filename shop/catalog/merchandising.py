"""What the merchant and the stock say about a ranking, applied in one place.

The results page (searches and category pages), ``product_search`` (the API and the
assistant) rank products their own way (hybrid fusion, relevance floor, a sort),
then hand the products they may show to ``apply``, which returns the order shown:

1. **Hide** beats everything: a product hidden by any firing rule never shows
   (``Plan.visible`` takes it out before facets are counted).
2. **Pins** come next: a pinned product shows at its position even when the
   relevance floor dropped it (the merchant vouches for it), as long as it passes
   the shopper's filters. When pins collide (one position, or one product pinned
   twice), the more specific rule wins (words and article type > words > article
   type), then the older one (lower id); a pin that lost its position takes the
   next free one; a position past the end is the end.
3. **Boosts and buries** add (boost) or subtract (bury) their weight for every
   product matching their filters, and a product with no size in stock loses
   ``SHOP_SEARCH_SOLD_OUT_WEIGHT``. A product's relevance counts from 1 (first)
   down to 1/N (last of N), so a weight of 1 moves a product past the whole
   list and 0.1 about a tenth of it. Ties keep the relevance order (itself broken
   on id), never a float comparison.
4. Under an explicit sort (price, newest, name) only hides and the sold-out
   weight apply: the shopper chose the order.

With no rule firing and a sold-out weight of 0 the order is exactly the ranking's.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Case, DecimalField, Q, QuerySet, Value, When
from django.utils import timezone

from shop.catalog.filters import ProductFilters, buyable, ordering
from shop.catalog.models import MerchandisingRule, Product
from shop.catalog.query import MIN_FILTER_CONFIDENCE
from shop.catalog.vocabulary import (
    COMMON_WORDS,
    Vocabulary,
    edit_distance,
    get_vocabulary,
    normalise,
    singular,
    typo_limit,
)

if TYPE_CHECKING:
    import datetime

Rule = MerchandisingRule
# Storefront filter names a boost or bury may use, and what each holds.
RULE_FILTERS = ("category", "gender", "colour", "brand", "season", "usage")
RULE_PRICES = ("price_min", "price_max")
MAX_WEIGHT = Decimal(100)
_ZERO = Decimal(0)


# --- which rules fire --------------------------------------------------------------------


def rules_active(*, now: datetime.datetime | None = None) -> list[Rule]:
    """Enabled rules inside their window, oldest first."""
    now = now or timezone.now()
    return list(
        Rule.objects.filter(enabled=True)
        .filter(Q(starts_at__isnull=True) | Q(starts_at__lte=now))
        .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))
        .select_related("category")
        .order_by("id")
    )


_Signature = tuple[frozenset[str], frozenset[str]]  # (catalog meanings, other words)


def _signature(text: str, vocabulary: Vocabulary) -> _Signature:
    """How search reads words: the catalog values they name (synonyms, plurals and
    typos resolved, as query understanding reads them) and the other words, singular."""
    tokens = normalise(text).split()
    spans: dict[tuple[int, int], set[str]] = {}
    for term in vocabulary.find_terms(" ".join(tokens)):
        if term.corrected and term.confidence < MIN_FILTER_CONFIDENCE:
            continue
        spans.setdefault((term.start, term.end), set()).add(f"{term.kind}:{term.value}")
    covered = {i for start, end in spans for i in range(start, end)}
    meanings = frozenset("|".join(sorted(values)) for values in spans.values())
    words = frozenset(
        singular(token)
        for i, token in enumerate(tokens)
        if i not in covered and token not in COMMON_WORDS
    )
    return meanings, words


class _Signatures:
    """Rule words read once per vocabulary (rebuilt when synonyms or the catalog change)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._vocabulary: Vocabulary | None = None
        self._cache: dict[str, _Signature] = {}

    def get(self, text: str, vocabulary: Vocabulary) -> _Signature:
        with self._lock:
            if self._vocabulary is not vocabulary:
                self._vocabulary, self._cache = vocabulary, {}
            cached = self._cache.get(text)
        if cached is None:
            cached = _signature(text, vocabulary)
            with self._lock:
                if self._vocabulary is vocabulary:
                    self._cache[text] = cached
        return cached


_rule_signatures = _Signatures()


def _word_matches(word: str, others: frozenset[str]) -> bool:
    if word in others:
        return True
    limit = typo_limit(len(word))
    return any(edit_distance(word, other, limit) <= limit for other in others)


def _words_match(rule: _Signature, search: _Signature, *, contains: bool) -> bool:
    rule_meanings, rule_words = rule
    meanings, words = search
    if not rule_meanings <= meanings or not all(_word_matches(w, words) for w in rule_words):
        return False
    if contains:
        return True
    return meanings <= rule_meanings and all(_word_matches(w, rule_words) for w in words)


def _specificity(rule: Rule) -> int:
    return (2 if rule.query else 0) + (1 if rule.category_id else 0)


def rules_firing(
    rules: Iterable[Rule], *, words: str, categories: Iterable[str]
) -> list[Rule]:
    """The rules that fire for a search's words and article types (names or slugs), in
    precedence order: most specific first, then oldest."""
    chosen = set(categories)
    vocabulary: Vocabulary | None = None
    search: _Signature | None = None
    firing = []
    for rule in rules:
        if rule.category_id is not None and not (
            chosen & {rule.category.name, rule.category.slug}
        ):
            continue
        if rule.query:
            if not words.strip():
                continue
            if vocabulary is None or search is None:  # read once, only when a rule needs it
                vocabulary = get_vocabulary()
                search = _signature(words, vocabulary)
            signature = _rule_signatures.get(rule.query, vocabulary)
            if not _words_match(signature, search, contains=rule.match == Rule.CONTAINS):
                continue
        firing.append(rule)
    return sorted(firing, key=lambda rule: (-_specificity(rule), rule.pk or 0))


# --- what they do -------------------------------------------------------------------------


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

    @property
    def pinned(self) -> list[int]:
        return [pk for _position, pk in self.pins]

    def visible(self, queryset: QuerySet[Product]) -> QuerySet[Product]:
        """Without the hidden products: facets, counts and results never show them."""
        return queryset.exclude(id__in=self.hidden) if self.hidden else queryset

    def matched_or_pinned(self, condition: Q) -> Q:
        """A search's matched products, and the pinned ones the floor may have dropped."""
        return condition | Q(id__in=self.pinned) if self.pins else condition


def plan_for(
    *, words: str, categories: Iterable[str], rules: Iterable[Rule] | None = None
) -> Plan:
    """The plan of the rules that fire (``rules``: the candidates, default the active ones)."""
    firing = rules_firing(
        rules_active() if rules is None else rules, words=words, categories=categories
    )
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
    return Plan(rules=firing, pins=pins, hidden=hidden, weights=weights)


def sold_out_weight() -> Decimal:
    return Decimal(str(settings.SHOP_SEARCH_SOLD_OUT_WEIGHT)).quantize(Decimal("0.01"))


def _adjustment(plan: Plan, *, relevance: bool) -> Case | Value | None:
    """What rules and stock add to each product's score, as SQL; None: nothing."""
    parts = []
    sold_out = sold_out_weight()
    if sold_out:
        parts.append((~Q(buyable()), -sold_out))
    if relevance:
        parts += plan.weights
    if not parts:
        return None
    output = DecimalField(max_digits=12, decimal_places=2)
    total = Value(_ZERO, output_field=output)
    for condition, weight in parts:
        total = total + Case(
            When(condition, then=Value(weight)), default=Value(_ZERO), output_field=output
        )
    return total


class Placed(Sequence[int]):
    """Product ids in the order shown: ``rest`` (a list or an ordered id queryset) with
    the pins at their positions. Sliced lazily, so a paginator reads one page."""

    def __init__(self, rest: Sequence[int] | QuerySet, pins: list[tuple[int, int]]) -> None:
        self._rest = rest
        count = rest.count() if isinstance(rest, QuerySet) else len(rest)
        self._length = count + len(pins)
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
        # Pins past the end close the list, in their order.
        free = [i for i in range(self._length - 1, -1, -1) if i not in taken][: len(overflow)]
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
    search), or None to order by ``sort`` in the database (browsing, or a sort the
    shopper chose). Pins apply under relevance only.
    """
    relevance = sort == "relevance"
    adjustment = _adjustment(plan, relevance=relevance)
    pins = plan.pins if relevance else []
    pinned = {pk for _position, pk in pins}
    if ranked is None:
        rest = queryset.exclude(id__in=pinned) if pinned else queryset
        if adjustment is not None:
            rest = rest.alias(merchandised=adjustment).order_by(
                "-merchandised", *ordering(sort)
            )
        else:
            rest = rest.order_by(*ordering(sort))
        shown = set(queryset.filter(id__in=pinned).values_list("id", flat=True)) if pinned else ()
        return Placed(rest.values_list("id", flat=True), [p for p in pins if p[1] in shown])
    allowed = set(queryset.values_list("id", flat=True))
    order = [pk for pk in ranked if pk in allowed and pk not in pinned]
    if adjustment is not None and order:
        adjusted = dict(
            queryset.filter(id__in=order)
            .annotate(merchandised=adjustment)
            .values_list("id", "merchandised")
        )
        n = len(order)
        # Relevance (n - i) / n plus the weights, scaled by n: exact decimals, no float ties.
        keys = {pk: Decimal(n - i) + n * adjusted.get(pk, _ZERO) for i, pk in enumerate(order)}
        position = {pk: i for i, pk in enumerate(order)}
        order.sort(key=lambda pk: (-keys[pk], position[pk]))
    return Placed(order, [p for p in pins if p[1] in allowed])


# --- validation (admin and API) -------------------------------------------------------------


def _filter_errors(value: object) -> str:
    """Why a boost's or bury's filters are not usable; empty when they are."""
    from shop.catalog.selectors import filter_values_unknown

    if not isinstance(value, dict) or not value:
        return "Give at least one filter, e.g. {\"brand\": [\"Puma\"]}."
    unknown = [key for key in value if key not in (*RULE_FILTERS, *RULE_PRICES)]
    if unknown:
        allowed = ", ".join((*RULE_FILTERS, *RULE_PRICES))
        return f"Unknown filter {unknown[0]!r}; use {allowed}."
    for name in RULE_FILTERS:
        if name not in value:
            continue
        values = value[name]
        values = [values] if isinstance(values, str) else values
        if (
            not isinstance(values, list)
            or not values
            or not all(isinstance(v, str) and v.strip() for v in values)
        ):
            return f"{name}: give a value or a list of values."
    for name in RULE_PRICES:
        if name in value and (
            isinstance(value[name], bool)
            or not isinstance(value[name], int | float | str)
            or not _is_price(value[name])
        ):
            return f"{name}: give an amount (a number, 0 or more)."
    filters = rule_filters(Rule(filters=value))
    if (
        filters.price_min is not None
        and filters.price_max is not None
        and filters.price_min > filters.price_max
    ):
        return "price_min is above price_max."
    missing = filter_values_unknown(filters=filters)
    if missing:
        name, values = next(iter(missing.items()))
        return f"The catalog has no {name} {', '.join(values)}."
    return ""


def _is_price(value: object) -> bool:
    try:
        price = Decimal(str(value))
    except ArithmeticError:
        return False
    return price.is_finite() and _ZERO <= price <= Decimal("99999999")


def rule_validate(rule: Rule) -> None:
    """Raise ValidationError naming each field a rule gets wrong (admin and API)."""
    errors: dict[str, str] = {}
    if not rule.query.strip() and rule.category_id is None:
        errors["query"] = "Give the words, an article type, or both."
    if rule.query.strip() and not normalise(rule.query):
        errors["query"] = "Give words with letters or digits."
    if rule.action in (Rule.PIN, Rule.HIDE) and rule.product_id is None:
        errors["product"] = f"Choose the product to {rule.action}."
    if rule.action == Rule.PIN and not rule.position:
        errors["position"] = "Give the position to pin at (1 is first)."
    if rule.action in (Rule.BOOST, Rule.BURY):
        if rule.weight is None or not (_ZERO < rule.weight <= MAX_WEIGHT):
            errors["weight"] = f"Give a weight above 0 and at most {MAX_WEIGHT}."
        message = _filter_errors(rule.filters)
        if message:
            errors["filters"] = message
    if rule.starts_at and rule.ends_at and rule.ends_at <= rule.starts_at:
        errors["ends_at"] = "End after the start."
    if errors:
        raise ValidationError(errors)
