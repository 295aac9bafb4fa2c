"""Facets and chips of the results page.

Facets are counted over the matched products, each with every other facet applied
(disjunctive), so a shopper can widen a choice; chips are the active filters, the
ones chosen and the ones read from the shopper's words, each with its removal URL.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import cached_property, partial

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import BooleanField, ExpressionWrapper, F, Q, QuerySet, Value

from shop.catalog.models import Category, Product, ProductVariant
from shop.catalog.sizes import size_group, size_key
from shop.catalog.stock import IN_STOCK_SIZE_SQL
from shop.search.filters import (
    CONDITIONS,
    FACET_LABELS,
    FACETS,
    PRICE_BUCKETS,
    ProductFilters,
    price_label,
)
from shop.search.query import Understanding
from shop.search.vocabulary import normalise


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool
    # The page with this value toggled, built when read: a page has ~100 checkbox
    # values (a form, no links) and a few price links, and a URL costs ~15 µs.
    link: Callable[[], str] = field(repr=False, compare=False)
    group: str = ""  # sizes: "Letter", "UK", "One size"...

    @cached_property
    def url(self) -> str:
        return self.link()


@dataclass
class Facet:
    name: str
    label: str
    values: list[FacetValue] = field(default_factory=list)


@dataclass
class Chip:
    label: str
    url: str
    understood: bool = False  # read from the shopper's words


# Facet -> (value, label) of a product: categories link by slug and show their name.
# Sizes are many per product and counted from the sizes table (``_SIZE_PART``).
_COLUMNS = {
    name: (field_name, "category__name" if name == "category" else field_name)
    for name, (_param, field_name) in FACETS.items()
    if name != "size"
}
# A size counts the matched products that have it in stock (``catalog.stock``'s rule).
_SIZE_PART = (
    "SELECT {order}, v.size, v.size, count(DISTINCT matched.id) FROM matched"
    " JOIN catalog_productvariant v ON v.product_id = matched.id"
    f" AND {IN_STOCK_SIZE_SQL}"
    " WHERE {others} GROUP BY 2, 3"
)


def _counted(
    base: QuerySet[Product], effective: ProductFilters
) -> tuple[dict[str, list[tuple[str, str, int]]], list[int]]:
    """Every facet's (value, label, count), best first, and each price bucket's count.

    One statement: the matched products are read once, each with whether it passes
    each facet's own filter; a facet's values are counted over the products that
    pass every other facet (disjunctive counting), and so are the price buckets.
    """
    names = CONDITIONS
    passes = {}
    for name in names:
        condition = effective.condition(name)
        passes[f"passes_{name}"] = (
            Value(True)
            if condition is None
            else ExpressionWrapper(condition, output_field=BooleanField())
        )
    columns = {}
    for name, (value, label) in _COLUMNS.items():
        columns[f"{name}_value"] = F(value)
        columns[f"{name}_label"] = F(label)
    counted: dict[str, list[tuple[str, str, int]]] = {name: [] for name in FACETS}
    buckets = [0] * len(PRICE_BUCKETS)
    try:
        matched, params = (
            base.order_by()
            .annotate(**columns, **passes)
            .values("id", "price", *columns, *passes)
            .query
        ).sql_with_params()
    except EmptyResultSet:  # the words matched nothing: id IN ()
        return counted, buckets
    parts, part_params = [], []

    def others(name: str) -> str:
        return " AND ".join(f"passes_{other}" for other in names if other != name)

    for order, name in enumerate(FACETS):
        if name == "size":
            parts.append(_SIZE_PART.format(order=order, others=others(name)))
            continue
        parts.append(
            f"SELECT {order} AS facet, {name}_value::text AS value, {name}_label::text AS label,"
            f" count(*) AS n FROM matched WHERE {others(name)} AND {name}_label <> ''"
            " GROUP BY 2, 3"
        )
    for index, (low, high) in enumerate(PRICE_BUCKETS):
        bounds = [
            *(["price >= %s"] if low is not None else []),
            *(["price < %s"] if high is not None else []),
        ]
        parts.append(
            f"SELECT {len(FACETS)}, '{index}', '', count(*) FROM matched"
            f" WHERE {others('price')} AND {' AND '.join(bounds)}"
        )
        part_params += [bound for bound in (low, high) if bound is not None]
    sql = (
        f"WITH matched AS MATERIALIZED ({matched}) "
        + " UNION ALL ".join(parts)
        + " ORDER BY facet, n DESC, label"
    )
    # The queryset's database: a storefront request reads from a replica when there is one.
    with connections[base.db].cursor() as cursor:
        cursor.execute(sql, [*params, *part_params])
        rows = cursor.fetchall()
    for order, value, label, n in rows:
        if order == len(FACETS):
            buckets[int(value)] = n
        else:
            counted[list(FACETS)[order]].append((value, label, n))
    return counted, buckets


def _toggled_url(shown: ProductFilters, name: str, value: str, label: str) -> str:
    return shown.toggled(name, label if name != "category" else value).url()


def facets_count(
    *, base: QuerySet[Product], effective: ProductFilters, shown: ProductFilters
) -> list[Facet]:
    counted, buckets = _counted(base, effective)
    facets = []
    for name, rows in counted.items():
        chosen = set(getattr(effective, name))
        if name == "size":
            rows = sorted(rows, key=lambda row: size_key(row[0]))
        values = [
            FacetValue(
                value=value,
                label=label,
                count=n,
                selected=value in chosen or label in chosen,
                link=partial(_toggled_url, shown, name, value, label),
                group=size_group(value) if name == "size" else "",
            )
            for value, label, n in rows
        ]
        facets.append(Facet(name=name, label=FACET_LABELS[name], values=values))
    price_values = []
    for (low, high), n in zip(PRICE_BUCKETS, buckets, strict=True):
        if not n:
            continue
        low_d = Decimal(low) if low is not None else None
        # Buckets are half-open [low, high): a max of high - 0.01 keeps them apart.
        high_d = Decimal(high) - Decimal("0.01") if high is not None else None
        selected = effective.price_min == low_d and effective.price_max == high_d
        price_values.append(
            FacetValue(
                value=f"{low or ''}-{high or ''}",
                label=price_label(low, high),
                count=n,
                selected=selected,
                link=(
                    shown.without("price").url
                    if selected
                    else replace(shown, price_min=low_d, price_max=high_d).url
                ),
            )
        )
    facets.append(Facet(name="price", label=FACET_LABELS["price"], values=price_values))
    return facets


@dataclass(frozen=True)
class CategoryNames:
    """The article types some values (slugs or names) stand for, read in one query.

    A category page asked for them three times (known values, chip, title).
    """

    values: frozenset[str]
    rows: tuple[tuple[str, str], ...]  # (slug, name), in the categories' own order

    @classmethod
    def read(cls, values: tuple[str, ...]) -> CategoryNames:
        if not values:
            return cls(frozenset(), ())
        found = Category.objects.filter(Q(slug__in=values) | Q(name__in=values))
        return cls(frozenset(values), tuple(found.values_list("slug", "name")))

    def known(self) -> set[str]:
        return {value for row in self.rows for value in row}

    def name_of(self, value: str) -> str | None:
        return next((name for slug, name in self.rows if value in (slug, name)), None)

    def names(self, values: tuple[str, ...]) -> list[str]:
        """The names of the types any of ``values`` stands for (read again unless all of
        them were asked for here)."""
        if not set(values) <= self.values:
            return CategoryNames.read(values).names(values)
        return [name for slug, name in self.rows if slug in values or name in values]


def filters_known(
    filters: ProductFilters, *, categories: CategoryNames | None = None
) -> ProductFilters:
    """The filters without facet values the catalog does not have.

    Dropped before any link is built: each facet link and chip repeats every chosen
    value, so made-up values would only multiply the page's size (and match nothing).
    A facet none of whose values is known keeps its first, and matches nothing.
    ``categories``: the article types of ``filters.category``, when already read.
    """
    changes = {}
    for name, (_param, field_name) in FACETS.items():
        values = getattr(filters, name)
        if not values:
            continue
        if name == "category":
            if categories is None or not set(values) <= categories.values:
                categories = CategoryNames.read(values)
            known = categories.known()
        elif name == "size":
            sizes = ProductVariant.objects.filter(size__in=values)
            known = set(sizes.values_list("size", flat=True))
        else:
            matching = Product.objects.filter(**{f"{field_name}__in": values})
            known = set(matching.values_list(field_name, flat=True).distinct())
        # None known: the first stays, so the page still matches nothing (what was
        # asked for does not exist) rather than everything, with one value to repeat.
        kept = tuple(value for value in values if value in known) or values[:1]
        if kept != values:
            changes[name] = kept
    return replace(filters, **changes) if changes else filters


def _words_without(q: str, phrase: str) -> str:
    """The shopper's words with a phrase taken out: what a chip's removal leaves."""
    return " ".join(normalise(q).replace(phrase, " ").split())


def chips_for(
    filters: ProductFilters,
    understanding: Understanding,
    *,
    categories: CategoryNames | None = None,
) -> list[Chip]:
    if filters.category and (categories is None or not set(filters.category) <= categories.values):
        categories = CategoryNames.read(filters.category)
    chips = []
    for name in FACETS:
        for value in getattr(filters, name):
            label = value
            if name == "category":
                label = categories.name_of(value) or value
            chips.append(
                Chip(label=f"{FACET_LABELS[name]}: {label}", url=filters.toggled(name, value).url())
            )
    if filters.price_min is not None or filters.price_max is not None:
        chips.append(
            Chip(
                label=f"Price: {price_label(filters.price_min, filters.price_max)}",
                url=filters.without("price").url(),
            )
        )
    tokens = normalise(filters.q).split()
    for term in understanding.terms:
        facet = understanding.facet_of(term.value)
        if facet is None or term.value in getattr(filters, facet):
            continue
        rest = " ".join(tokens[: term.start] + tokens[term.end :]) if tokens else ""
        # The span is in the text after a price phrase was taken out; fall back to
        # removing the words themselves.
        if " ".join(tokens[term.start : term.end]) != term.phrase:
            rest = _words_without(filters.q, term.phrase)
        chips.append(
            Chip(
                label=f"{FACET_LABELS[facet]}: {term.value}",
                url=filters.url(q=rest),
                understood=True,
            )
        )
    understood_sizes = [v for v in understanding.facets.get("size", ()) if v not in filters.size]
    if understanding.size_phrase and understood_sizes:
        chips.append(
            Chip(
                label=f"{FACET_LABELS['size']}: {', '.join(understood_sizes)}",
                url=filters.url(q=_words_without(filters.q, understanding.size_phrase)),
                understood=True,
            )
        )
    if understanding.price_phrase and filters.price_min is None and filters.price_max is None:
        rest = _words_without(filters.q, understanding.price_phrase)
        chips.append(
            Chip(
                label=f"Price: {price_label(understanding.price_min, understanding.price_max)}",
                url=filters.url(q=rest),
                understood=True,
            )
        )
    # Several terms of one span (a synonym with two targets) give one chip each;
    # drop exact duplicates.
    unique: dict[tuple[str, str], Chip] = {}
    for chip in chips:
        unique.setdefault((chip.label, chip.url), chip)
    return list(unique.values())
