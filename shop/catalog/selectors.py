"""Reads from the catalog: browsing, facets and keyword search."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db.models import Count, F, Q, QuerySet
from django.http import QueryDict

from shop.catalog.models import Category, Product

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
    "season": ("season", "season"),
    "usage": ("usage", "usage"),
}


@dataclass(frozen=True)
class ProductFilters:
    """What a shopper has chosen: facet values (any of each, all facets together)."""

    category: tuple[str, ...] = ()
    gender: tuple[str, ...] = ()
    colour: tuple[str, ...] = ()
    season: tuple[str, ...] = ()
    usage: tuple[str, ...] = ()

    @classmethod
    def from_query(cls, query: QueryDict) -> ProductFilters:
        """Read facet choices from request parameters (repeatable: ?colour=Red&colour=Blue)."""
        return cls(
            **{
                name: tuple(v[:100] for v in query.getlist(param) if v)
                for name, (param, _field) in FACETS.items()
            }
        )

    def without(self, facet: str) -> ProductFilters:
        return replace(self, **{facet: ()})

    def is_empty(self) -> bool:
        return not any(getattr(self, name) for name in FACETS)

    def apply(self, queryset: QuerySet[Product]) -> QuerySet[Product]:
        for name, (_param, field_name) in FACETS.items():
            values = getattr(self, name)
            if name == "category" and values:
                # Accept the catalog's name ("Sports Shoes") as well as the slug.
                queryset = queryset.filter(
                    Q(category__slug__in=values) | Q(category__name__in=values)
                )
            elif values:
                queryset = queryset.filter(**{f"{field_name}__in": values})
        return queryset


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool


@dataclass
class Facet:
    name: str
    label: str
    values: list[FacetValue] = field(default_factory=list)


def keyword_query(text: str) -> SearchQuery:
    return SearchQuery(text, search_type="websearch", config="english")


def product_list(
    *, filters: ProductFilters, q: str = "", sort: str = "relevance"
) -> QuerySet[Product]:
    """Browsable products matching the filters and, if given, the keywords."""
    queryset = filters.apply(Product.objects.browsable()).select_related("category")
    if q:
        query = keyword_query(q)
        queryset = queryset.filter(search_vector=query).annotate(
            rank=SearchRank(F("search_vector"), query, cover_density=True)
        )
    if sort == "relevance" and q:
        return queryset.order_by("-rank", "name", "id")
    return queryset.order_by(*_ordering(sort))


def _ordering(sort: str) -> tuple[object, ...]:
    match sort:
        case "newest":
            return ("-year", "-created_at", "id")
        case "price_asc":
            return (F("price").asc(nulls_last=True), "name", "id")
        case "price_desc":
            return (F("price").desc(nulls_last=True), "name", "id")
        case _:
            return ("name", "id")


FACET_LABELS = {
    "category": "Article type",
    "gender": "Gender",
    "colour": "Colour",
    "season": "Season",
    "usage": "Occasion",
}


def product_facets(
    *, filters: ProductFilters, q: str = "", base: QuerySet[Product] | None = None
) -> list[Facet]:
    """Facet values with counts.

    Each facet is counted with every *other* facet applied, so a shopper can widen
    a choice (pick a second colour) and see what it would add.
    """
    facets = []
    for name, (_param, field_name) in FACETS.items():
        others = filters.without(name)
        queryset = product_list(filters=others, q=q) if base is None else others.apply(base)
        label_field = "category__name" if name == "category" else field_name
        rows = (
            queryset.exclude(**{field_name: ""})
            .order_by()
            .values(field_name, label_field)
            .annotate(n=Count("id"))
            .order_by("-n", field_name)
        )
        selected = set(getattr(filters, name))
        values = [
            FacetValue(
                value=row[field_name],
                label=row[label_field],
                count=row["n"],
                selected=row[field_name] in selected or row[label_field] in selected,
            )
            for row in rows
        ]
        facets.append(Facet(name=name, label=FACET_LABELS[name], values=values))
    return facets


@dataclass
class CategoryGroup:
    master: str
    subs: list[tuple[str, list[Category]]]


def category_navigation() -> list[CategoryGroup]:
    """Article types with products, grouped under master and sub categories."""
    categories = (
        Category.objects.filter(products__is_active=True)
        .annotate(n=Count("products"))
        .order_by("master_category", "sub_category", "name")
    )
    groups: dict[str, dict[str, list[Category]]] = {}
    for category in categories:
        master = category.master_category or "Other"
        groups.setdefault(master, {}).setdefault(category.sub_category or "Other", []).append(
            category
        )
    return [CategoryGroup(master=m, subs=list(subs.items())) for m, subs in groups.items()]


def product_get(*, pk: int) -> Product:
    return Product.objects.browsable().select_related("category").get(pk=pk)
