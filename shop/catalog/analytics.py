"""Search analytics for the merchant, and autocomplete built on the same log.

A log row holds the query text, the filters, the result count, the clicked product
and the time: no IP address, session or user, so nothing in it is personal data
beyond what a shopper typed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.db.models import Count, Q
from django.utils import timezone

from shop.catalog.filters import FACETS, ProductFilters
from shop.catalog.models import Brand, Category, Product, SearchQueryLog
from shop.catalog.vocabulary import normalise

if TYPE_CHECKING:
    from shop.catalog.results import ResultsPage

MAX_SUGGESTIONS = 8
MIN_POPULAR_SEARCHES = 2


def search_log(*, page: ResultsPage) -> SearchQueryLog:
    filters = page.filters
    chosen = {name: list(getattr(filters, name)) for name in FACETS if getattr(filters, name)}
    if filters.price_min is not None:
        chosen["price_min"] = str(filters.price_min)
    if filters.price_max is not None:
        chosen["price_max"] = str(filters.price_max)
    return SearchQueryLog.objects.create(
        query=normalise(filters.q)[:200],
        filters=chosen,
        with_photo=page.photo is not None,
        result_count=page.total,
    )


def search_click(*, log_id: int, product: Product) -> None:
    """Record the first click of a logged search (later clicks keep the first)."""
    SearchQueryLog.objects.filter(pk=log_id, clicked_product__isnull=True).update(
        clicked_product=product, clicked_at=timezone.now()
    )


@dataclass
class QueryStat:
    query: str
    searches: int
    clicks: int
    zero_results: int

    @property
    def click_through(self) -> float:
        return self.clicks / self.searches if self.searches else 0.0


def query_stats(*, since: datetime, until: datetime | None = None) -> list[QueryStat]:
    """Per query text: searches, searches with a click, searches with no results."""
    logs = SearchQueryLog.objects.filter(created_at__gte=since).exclude(query="")
    if until is not None:
        logs = logs.filter(created_at__lt=until)
    rows = (
        logs.values("query")
        .annotate(
            searches=Count("id"),
            clicks=Count("id", filter=Q(clicked_product__isnull=False)),
            zero=Count("id", filter=Q(result_count=0)),
        )
        .order_by("-searches", "query")
    )
    return [
        QueryStat(
            query=r["query"], searches=r["searches"], clicks=r["clicks"], zero_results=r["zero"]
        )
        for r in rows
    ]


@dataclass
class Suggestion:
    kind: str  # "Article type" | "Brand" | "Product" | "Popular search"
    label: str
    url: str


def suggestions(*, text: str) -> list[Suggestion]:
    """What the header box offers for the first letters a shopper typed."""
    words = normalise(text)
    if len(words) < 2:
        return []
    found: list[Suggestion] = []
    for category in Category.objects.filter(
        name__icontains=words, products__is_active=True
    ).distinct()[:3]:
        found.append(
            Suggestion(
                "Article type", category.name, ProductFilters(category=(category.slug,)).url()
            )
        )
    for brand in Brand.objects.filter(name__icontains=words)[:2]:
        found.append(Suggestion("Brand", brand.name, ProductFilters(brand=(brand.name,)).url()))
    popular = (
        SearchQueryLog.objects.filter(query__startswith=words, result_count__gt=0)
        .values("query")
        .annotate(n=Count("id"))
        .filter(n__gte=MIN_POPULAR_SEARCHES)
        .order_by("-n", "query")[:3]
    )
    for row in popular:
        found.append(
            Suggestion("Popular search", row["query"], ProductFilters(q=row["query"]).url())
        )
    room = MAX_SUGGESTIONS - len(found)
    if room > 0:
        for product in (
            Product.objects.browsable().filter(name__icontains=words).order_by("name")[:room]
        ):
            found.append(
                Suggestion("Product", product.name, product.get_absolute_url())
            )
    return found[:MAX_SUGGESTIONS]
