"""What a shopper has asked for, and its round trip through the URL.

One place turns request parameters into filters and back: the results page, its
facet links, chips, sort and pagination all build their URLs from
``ProductFilters.to_query``. Unknown or malformed values never raise: a bad sort
or page falls back to the default, a bad price bound is dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields, replace
from decimal import Decimal, InvalidOperation

from django.db.models import F, Q, QuerySet
from django.http import QueryDict
from django.urls import reverse

from shop.inputs import clean_text

MAX_QUERY_LENGTH = 200

SORTS = {
    "relevance": "Best match",
    "name": "Name A–Z",
    "newest": "Newest",
    "price_asc": "Price: low to high",
    "price_desc": "Price: high to low",
}

# Facet name -> (query parameter, model field). Order is the order on the page.
FACETS = {
    "category": ("category", "category__slug"),
    "gender": ("gender", "gender"),
    "colour": ("colour", "base_colour"),
    "brand": ("brand", "brand__name"),
    "season": ("season", "season"),
    "usage": ("usage", "usage"),
}
FACET_LABELS = {
    "category": "Article type",
    "gender": "Gender",
    "colour": "Colour",
    "brand": "Brand",
    "season": "Season",
    "usage": "Occasion",
    "price": "Price",
}
# Price facet buckets: (low, high) in the shop's currency; None is open-ended.
PRICE_BUCKETS: tuple[tuple[int | None, int | None], ...] = (
    (None, 500),
    (500, 1000),
    (1000, 2000),
    (2000, 5000),
    (5000, None),
)
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
MAX_PRICE = Decimal("99999999")


def _price(value: str | None) -> Decimal | None:
    if not value:
        return None
    try:
        price = Decimal(value.strip())
    except (InvalidOperation, ValueError):
        return None
    if not price.is_finite() or price < 0 or price > MAX_PRICE:
        return None
    return price.quantize(Decimal("1")) if price == price.to_integral() else price


def _page(value: str | None) -> int:
    try:
        return max(1, min(int(value or 1), 10_000))
    except ValueError:
        return 1


@dataclass(frozen=True)
class ProductFilters:
    """Words, photo token, facet values, price range, sort and page of one results page."""

    category: tuple[str, ...] = ()
    gender: tuple[str, ...] = ()
    colour: tuple[str, ...] = ()
    brand: tuple[str, ...] = ()
    season: tuple[str, ...] = ()
    usage: tuple[str, ...] = ()
    price_min: Decimal | None = None
    price_max: Decimal | None = None
    q: str = ""
    photo: str = ""
    sort: str = "relevance"
    page: int = 1

    @classmethod
    def from_query(cls, query: QueryDict) -> ProductFilters:
        """Read every state from request parameters (facets repeat: ?colour=Red&colour=Blue)."""
        facets = {
            name: tuple(
                dict.fromkeys(
                    value
                    for value in (clean_text(v, max_length=100) for v in query.getlist(param))
                    if value
                )
            )
            for name, (param, _field) in FACETS.items()
        }
        photo = query.get("photo", "")
        sort = query.get("sort", "relevance")
        return cls(
            **facets,
            price_min=_price(query.get("price_min")),
            price_max=_price(query.get("price_max")),
            q=clean_text(query.get("q", ""), max_length=MAX_QUERY_LENGTH),
            photo=photo if _TOKEN.match(photo) else "",
            sort=sort if sort in SORTS else "relevance",
            page=_page(query.get("page")),
        )

    def to_query(self) -> QueryDict:
        """The parameters that reproduce this state; defaults are left out."""
        query = QueryDict(mutable=True)
        if self.q:
            query["q"] = self.q
        if self.photo:
            query["photo"] = self.photo
        for name, (param, _field) in FACETS.items():
            if getattr(self, name):
                query.setlist(param, list(getattr(self, name)))
        if self.price_min is not None:
            query["price_min"] = str(self.price_min)
        if self.price_max is not None:
            query["price_max"] = str(self.price_max)
        if self.sort != "relevance":
            query["sort"] = self.sort
        if self.page != 1:
            query["page"] = str(self.page)
        return query

    def url(self, **changes: object) -> str:
        """The results page URL of this state with ``changes``; a change resets the page."""
        state = replace(self, **{"page": 1, **changes}) if changes else self
        query = state.to_query().urlencode()
        return reverse("catalog:product_list") + (f"?{query}" if query else "")

    # --- facets ---------------------------------------------------------------------

    def without(self, facet: str) -> ProductFilters:
        if facet == "price":
            return replace(self, price_min=None, price_max=None)
        return replace(self, **{facet: ()})

    def toggled(self, facet: str, value: str) -> ProductFilters:
        """This state with ``value`` added to, or taken out of, a facet."""
        values = getattr(self, facet)
        if value in values:
            return replace(self, **{facet: tuple(v for v in values if v != value)}, page=1)
        return replace(self, **{facet: (*values, value)}, page=1)

    def is_empty(self) -> bool:
        """True when no facet or price narrows the catalog (words and photo aside)."""
        return not any(getattr(self, name) for name in FACETS) and (
            self.price_min is None and self.price_max is None
        )

    def is_default(self) -> bool:
        return self == ProductFilters(sort=self.sort)

    def merged(self, **extra: tuple[str, ...]) -> ProductFilters:
        """This state with more facet values (from the shopper's words) added."""
        return replace(
            self,
            **{
                name: tuple(dict.fromkeys((*getattr(self, name), *values)))
                for name, values in extra.items()
            },
        )

    def apply(self, queryset: QuerySet) -> QuerySet:
        """Narrow products by the facets (any value within one, all facets) and price."""
        for name, (_param, field_name) in FACETS.items():
            values = getattr(self, name)
            if name == "category" and values:
                # Accept the catalog's name ("Sports Shoes") as well as the slug.
                queryset = queryset.filter(
                    Q(category__slug__in=values) | Q(category__name__in=values)
                )
            elif name == "brand" and values:
                queryset = queryset.filter(Q(brand__name__in=values) | Q(brand__slug__in=values))
            elif values:
                queryset = queryset.filter(**{f"{field_name}__in": values})
        if self.price_min is not None:
            queryset = queryset.filter(price__gte=self.price_min)
        if self.price_max is not None:
            queryset = queryset.filter(price__lte=self.price_max)
        return queryset


def ordering(sort: str) -> tuple[object, ...]:
    """ORDER BY for a sort other than relevance."""
    match sort:
        case "newest":
            return (F("year").desc(nulls_last=True), "-created_at", "-id")
        case "price_asc":
            return (F("price").asc(nulls_last=True), "name", "id")
        case "price_desc":
            return (F("price").desc(nulls_last=True), "name", "id")
        case _:
            return ("name", "id")


def price_label(low: Decimal | int | None, high: Decimal | int | None) -> str:
    from shop.money import format_money

    if low is None and high is not None:
        return f"Under {format_money(Decimal(high))}"
    if high is None and low is not None:
        return f"{format_money(Decimal(low))} and over"
    return f"{format_money(Decimal(low))} – {format_money(Decimal(high))}"


FILTER_FIELDS = tuple(f.name for f in fields(ProductFilters))
