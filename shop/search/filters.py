"""What a shopper has asked for, and its round trip through the URL.

One place turns request parameters into filters and back: the results page, its
facet links, chips, sort and pagination all build their URLs from
``ProductFilters.to_query``. Unknown or malformed values never raise: a bad sort
or page falls back to the default, a bad price bound is dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields, replace
from decimal import Decimal
from functools import cached_property
from urllib.parse import urlencode

from django.db import connections, router
from django.db.models import Exists, F, Q, QuerySet
from django.http import QueryDict

from shop.catalog.models import best_match_order
from shop.catalog.stock import in_stock_product_q, in_stock_sizes
from shop.inputs import clean_text, parse_decimal, parse_int
from shop.paths import cached_reverse

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
    # Sizes live on ProductVariant: the condition asks for the size *in stock*.
    "size": ("size", "variants__size"),
}
FACET_LABELS = {
    "category": "Article type",
    "gender": "Gender",
    "colour": "Colour",
    "brand": "Brand",
    "season": "Season",
    "usage": "Occasion",
    "size": "Size",
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
# Every facet link and chip repeats the other chosen values, so a page grows with the
# square of their number: a few KB of request must not make megabytes of page.
MAX_FACET_VALUES = 20
MAX_FILTER_VALUES = 40
MAX_PRICE = Decimal("99999999")


def _price(value: str | None) -> Decimal | None:
    # Plain digits only: "1e-999999" is a Decimal that PostgreSQL refuses.
    price = parse_decimal(value, low=Decimal(0), high=MAX_PRICE)
    if price is None:
        return None
    return price.quantize(Decimal("1")) if price == price.to_integral() else price


# What an on/off parameter may say (``in_stock=1``): the API refuses anything else.
FLAG_ON = frozenset({"1", "true", "on", "yes"})
FLAG_WORDS = FLAG_ON | {"0", "false", "off", "no"}


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in FLAG_ON


def _page(value: str | None) -> int:
    page = parse_int(value)
    return 1 if page is None else max(1, min(page, 10_000))


@dataclass(frozen=True)
class ProductFilters:
    """Words, photo token, facet values, price range, sort and page of one results page."""

    category: tuple[str, ...] = ()
    gender: tuple[str, ...] = ()
    colour: tuple[str, ...] = ()
    brand: tuple[str, ...] = ()
    season: tuple[str, ...] = ()
    usage: tuple[str, ...] = ()
    size: tuple[str, ...] = ()
    price_min: Decimal | None = None
    price_max: Decimal | None = None
    in_stock: bool = False
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
            )[:MAX_FACET_VALUES]
            for name, (param, _field) in FACETS.items()
        }
        room = MAX_FILTER_VALUES
        for name, values in facets.items():
            facets[name], room = values[:room], max(0, room - len(values))
        photo = query.get("photo", "")
        sort = query.get("sort", "relevance")
        return cls(
            **facets,
            price_min=_price(query.get("price_min")),
            price_max=_price(query.get("price_max")),
            in_stock=_flag(query.get("in_stock")),
            q=clean_text(query.get("q", ""), max_length=MAX_QUERY_LENGTH),
            photo=photo if _TOKEN.match(photo) else "",
            sort=sort if sort in SORTS else "relevance",
            page=_page(query.get("page")),
        )

    def parameters(self) -> list[tuple[str, str]]:
        """The (parameter, value) pairs that reproduce this state; defaults left out."""
        pairs = []
        if self.q:
            pairs.append(("q", self.q))
        if self.photo:
            pairs.append(("photo", self.photo))
        for name, (param, _field) in FACETS.items():
            pairs.extend((param, value) for value in getattr(self, name))
        if self.price_min is not None:
            pairs.append(("price_min", str(self.price_min)))
        if self.price_max is not None:
            pairs.append(("price_max", str(self.price_max)))
        if self.in_stock:
            pairs.append(("in_stock", "1"))
        if self.sort != "relevance":
            pairs.append(("sort", self.sort))
        if self.page != 1:
            pairs.append(("page", str(self.page)))
        return pairs

    def to_query(self) -> QueryDict:
        """The parameters that reproduce this state, as a QueryDict (forms' hidden fields)."""
        query = QueryDict(mutable=True)
        for param, value in self.parameters():
            query.appendlist(param, value)
        return query

    def url(self, **changes: object) -> str:
        """The results page URL of this state with ``changes``; a change resets the page.

        A results page builds ~100 of these (every facet value), hence plain
        ``urlencode`` and a memoised path rather than QueryDict and ``reverse()``.
        """
        state = replace(self, **{"page": 1, **changes}) if changes else self
        query = urlencode(state.parameters())
        return cached_reverse("search:product_list") + (f"?{query}" if query else "")

    # --- facets ---------------------------------------------------------------------

    def without(self, facet: str) -> ProductFilters:
        if facet == "price":
            return replace(self, price_min=None, price_max=None)
        if facet == "in_stock":
            return replace(self, in_stock=False)
        return replace(self, **{facet: ()})

    def toggled(self, facet: str, value: str) -> ProductFilters:
        """This state with ``value`` added to, or taken out of, a facet."""
        values = getattr(self, facet)
        if value in values:
            return replace(self, **{facet: tuple(v for v in values if v != value)}, page=1)
        return replace(self, **{facet: (*values, value)}, page=1)

    def is_empty(self) -> bool:
        """True when no facet, price or stock toggle narrows the catalog (words and photo
        aside)."""
        return not any(getattr(self, name) for name in FACETS) and (
            self.price_min is None and self.price_max is None and not self.in_stock
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

    def condition(self, facet: str) -> Q | None:
        """What one facet (or "price", "in_stock") asks of a product; None when nothing."""
        if facet == "in_stock":
            return in_stock_product_q() if self.in_stock else None
        if facet == "price":
            bounds = {}
            if self.price_min is not None:
                bounds["price__gte"] = self.price_min
            if self.price_max is not None:
                bounds["price__lte"] = self.price_max
            return Q(**bounds) if bounds else None
        values = getattr(self, facet)
        if not values:
            return None
        if facet == "category":
            # No id is -1: an unknown type matches nothing (an empty IN would make
            # Django refuse to write the statement at all).
            return Q(category_id__in=self._category_ids or [-1])
        if facet == "brand":
            return Q(brand__name__in=values) | Q(brand__slug__in=values)
        if facet == "size":
            return Q(Exists(in_stock_sizes(size__in=values)))
        return Q(**{f"{FACETS[facet][1]}__in": values})

    @cached_property
    def _category_ids(self) -> list[int]:
        """The article types asked for, by the catalog's name ("Sports Shoes") or slug,
        as ids, read once for this state: a statement that names the ids lets
        PostgreSQL see each type's real size (Tshirts is 16% of the catalog), which a
        join on names and slugs hides behind the average type's (a category page's
        popularity join then flipped between a hash join and 7,070 index probes)."""
        from shop.catalog.models import Category

        # Plain SQL: every search and category page reads this, and compiling the ORM's
        # statement cost more CPU than PostgreSQL's work (~0.5 ms).
        values = list(self.category)
        using = router.db_for_read(Category)
        with connections[using].cursor() as cursor:
            cursor.execute(
                f"SELECT id FROM {Category._meta.db_table}"  # noqa: S608 (the model's own table)
                " WHERE slug = ANY(%s) OR name = ANY(%s) ORDER BY id",
                [values, values],
            )
            return [row[0] for row in cursor.fetchall()]

    def apply(self, queryset: QuerySet) -> QuerySet:
        """Narrow products by the facets (any value within one, all facets), price and
        the in-stock toggle."""
        for facet in CONDITIONS:
            condition = self.condition(facet)
            if condition is not None:
                queryset = queryset.filter(condition)
        return queryset


# Everything that narrows the products, in the order applied.
CONDITIONS = (*FACETS, "price", "in_stock")


def ordering(sort: str) -> tuple[object, ...]:
    """ORDER BY for a sort chosen by the shopper, or for "Best match" with nothing to
    match (``catalog.models.best_match_order``, which its indexes are written from)."""
    match sort:
        case "newest":
            return (F("year").desc(nulls_last=True), "-created_at", "-id")
        case "price_asc":
            return (F("price").asc(nulls_last=True), "name", "id")
        case "price_desc":
            return (F("price").desc(nulls_last=True), "name", "id")
        case "name":
            return ("name", "id")
        case _:
            return best_match_order()


def price_label(low: Decimal | int | None, high: Decimal | int | None) -> str:
    from shop.money import format_money

    if low is None and high is not None:
        return f"Under {format_money(Decimal(high))}"
    if high is None and low is not None:
        return f"{format_money(Decimal(low))} and over"
    return f"{format_money(Decimal(low))} – {format_money(Decimal(high))}"


FILTER_FIELDS = tuple(f.name for f in fields(ProductFilters))


def filter_values_unknown(*, filters: ProductFilters) -> dict[str, list[str]]:
    """Facet values the catalog has never heard of, by facet (empty when all known).

    Article types may be given by name ("Sports Shoes") or slug ("sports-shoes").
    """
    from shop.catalog.models import Category

    unknown = {}
    for name, (_param, field_name) in FACETS.items():
        values = getattr(filters, name)
        if not values:
            continue
        if name == "category":
            known = {v for pair in Category.objects.values_list("name", "slug") for v in pair}
        else:
            known = set(product_attribute_values(field=field_name))
        missing = [value for value in values if value not in known]
        if missing:
            unknown[name] = missing
    return unknown


def product_attribute_values(*, field: str) -> list[str]:
    """The distinct non-empty values of a product attribute (gender, base_colour...)."""
    from shop.catalog.models import Product

    return list(
        Product.objects.browsable()
        .exclude(**{field: ""})
        .order_by(field)
        .values_list(field, flat=True)
        .distinct()
    )
