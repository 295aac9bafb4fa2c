"""Facets and chips of the results page.

Facets are counted over the matched products, each with every other facet applied
(disjunctive), so a shopper can widen a choice; chips are the active filters, the
ones chosen and the ones read from the shopper's words, each with its removal URL.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal

from django.db.models import Count, Q, QuerySet

from shop.catalog.filters import FACET_LABELS, FACETS, PRICE_BUCKETS, ProductFilters, price_label
from shop.catalog.models import Category, Product
from shop.catalog.query import Understanding
from shop.catalog.vocabulary import normalise


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool
    url: str


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


def facets_count(
    *, base: QuerySet[Product], effective: ProductFilters, shown: ProductFilters
) -> list[Facet]:
    facets = []
    for name, (_param, field_name) in FACETS.items():
        queryset = effective.without(name).apply(base)
        label_field = {"category": "category__name", "brand": "brand__name"}.get(name, field_name)
        value_field = "category__slug" if name == "category" else label_field
        rows = (
            queryset.exclude(**{f"{label_field}__isnull": True})
            .exclude(**{label_field: ""})
            .order_by()
            .values(value_field, label_field)
            .annotate(n=Count("id"))
            .order_by("-n", label_field)
        )
        chosen = set(getattr(effective, name))
        values = []
        for row in rows:
            value, label = row[value_field], row[label_field]
            selected = value in chosen or label in chosen
            values.append(
                FacetValue(
                    value=value,
                    label=label,
                    count=row["n"],
                    selected=selected,
                    url=shown.toggled(name, label if name != "category" else value).url(),
                )
            )
        facets.append(Facet(name=name, label=FACET_LABELS[name], values=values))
    priced = effective.without("price").apply(base)
    counts = priced.aggregate(
        **{
            f"b{i}": Count(
                "id",
                filter=Q(
                    **({"price__gte": low} if low is not None else {}),
                    **({"price__lt": high} if high is not None else {}),
                ),
            )
            for i, (low, high) in enumerate(PRICE_BUCKETS)
        }
    )
    price_values = []
    for i, (low, high) in enumerate(PRICE_BUCKETS):
        if not counts[f"b{i}"]:
            continue
        low_d = Decimal(low) if low is not None else None
        # Buckets are half-open [low, high): a max of high - 0.01 keeps them apart.
        high_d = Decimal(high) - Decimal("0.01") if high is not None else None
        selected = effective.price_min == low_d and effective.price_max == high_d
        price_values.append(
            FacetValue(
                value=f"{low or ''}-{high or ''}",
                label=price_label(low, high),
                count=counts[f"b{i}"],
                selected=selected,
                url=(
                    shown.without("price").url()
                    if selected
                    else replace(shown, price_min=low_d, price_max=high_d).url()
                ),
            )
        )
    facets.append(Facet(name="price", label=FACET_LABELS["price"], values=price_values))
    return facets


def chips_for(filters: ProductFilters, understanding: Understanding) -> list[Chip]:
    chips = []
    for name in FACETS:
        for value in getattr(filters, name):
            label = value
            if name == "category":
                category = Category.objects.filter(Q(slug=value) | Q(name=value)).first()
                label = category.name if category else value
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
            rest = " ".join(normalise(filters.q).replace(term.phrase, " ").split())
        chips.append(
            Chip(
                label=f"{FACET_LABELS[facet]}: {term.value}",
                url=filters.url(q=rest),
                understood=True,
            )
        )
    if understanding.price_phrase and filters.price_min is None and filters.price_max is None:
        rest = " ".join(normalise(filters.q).replace(understanding.price_phrase, " ").split())
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
