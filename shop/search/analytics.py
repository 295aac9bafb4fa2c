"""Search analytics for the merchant, and autocomplete built on the same log.

A log row holds the query text, the filters, the result count, where it was made
(results, category or filtered page, API), the clicked product, the time and a keyed
hash of a random id in the shopper's session (``attribution.shopper_hash``): no IP
address, session key or user, so nothing in it is personal data beyond what a shopper
typed. Logging is rate-limited per session and address (past the limit a search is
served, not logged), and popular searches count distinct shoppers, so neither a
script nor a few repeated searches can put a phrase in everyone's autocomplete.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.db.models import Count, F, Max, Q
from django.utils import timezone

from shop import ratelimits
from shop.catalog.models import Brand, Category, Product
from shop.search import attribution
from shop.search.filters import FACETS, ProductFilters
from shop.search.models import SearchQueryLog
from shop.search.vocabulary import normalise

if TYPE_CHECKING:
    from shop.search.results import ResultsPage

MAX_SUGGESTIONS = 8
# The session remembers its last search, so paging through it is not a new search.
LAST_SEARCH_KEY = "search_last"
LOG_RATE_SCOPE = "search-log"


def _chosen(filters: ProductFilters) -> dict:
    chosen = {name: list(getattr(filters, name)) for name in FACETS if getattr(filters, name)}
    if filters.price_min is not None:
        chosen["price_min"] = str(filters.price_min)
    if filters.price_max is not None:
        chosen["price_max"] = str(filters.price_max)
    return chosen


def _logging_allowed(*, shopper: str, address: str) -> bool:
    try:
        ratelimits.client_rate_limit(
            scope=LOG_RATE_SCOPE,
            session=shopper,
            address=address,
            per_minute=settings.SHOP_SEARCH_LOG_RATE_PER_MINUTE,
        )
    except ratelimits.RateLimited:
        return False
    return True


def search_log(
    *,
    query: str,
    filters: ProductFilters,
    with_photo: bool,
    result_count: int,
    source: str,
    session: SessionBase,
    address: str,
) -> SearchQueryLog | None:
    """Log one search (None when this session or address is over its logging limit)."""
    shopper = attribution.shopper_hash(session=session)
    if not _logging_allowed(shopper=shopper, address=address):
        return None  # before a session is made for it: a crawler's requests make none
    if not shopper:
        shopper = attribution.shopper_hash(session=session, create=True)
        # This first search counts against the new session's own limit too.
        ratelimits.rate_limit_record(keys=[f"{LOG_RATE_SCOPE}:session:{shopper}"])
    return SearchQueryLog.objects.create(
        query=normalise(query)[:200],
        filters=_chosen(filters),
        source=source,
        category=",".join(filters.category)[:200],
        with_photo=with_photo,
        result_count=result_count,
        shopper=shopper,
    )


def search_api_track(
    *,
    query: str,
    filters: ProductFilters,
    with_photo: bool,
    products: list[Product],
    session: SessionBase,
    address: str,
) -> str:
    """Log an API search and sign its results (``search_token``); its search id or ""."""
    log = search_log(
        query=query,
        filters=filters,
        with_photo=with_photo,
        result_count=len(products),
        source=SearchQueryLog.API,
        session=session,
        address=address,
    )
    if log is None:
        return ""
    attribution.results_sign(log=log, products=products, first_position=1)
    return attribution.search_id_sign(log=log)


def search_track(*, page: ResultsPage, session: SessionBase, address: str) -> str:
    """Log a results, category or filtered page and sign its results for attribution.

    Each product shown gets ``search_token`` (see ``attribution``); returns the page's
    signed search id, or "" for the unfiltered home page and a search over its logging
    limit. A later page of the session's last search belongs to that search.
    """
    filters = page.filters
    if not page.is_search and filters.is_empty():
        return ""
    if page.is_search:
        source = SearchQueryLog.SEARCH
    elif filters.category:
        source = SearchQueryLog.CATEGORY
    else:
        source = SearchQueryLog.BROWSE
    key = hashlib.sha256(filters.url(page=1).encode()).hexdigest()[:16]
    log = None
    last = session.get(LAST_SEARCH_KEY)
    shopper = attribution.shopper_hash(session=session)
    match last:
        case [str(last_key), int(last_id)] if filters.page > 1 and shopper and last_key == key:
            # Signed as the session's search without reading it back (a GET reads the
            # catalog's tables from a replica, which may not have the row yet).
            log = SearchQueryLog(pk=last_id, shopper=shopper)
    if log is None:
        log = search_log(
            query=filters.q,
            filters=filters,
            with_photo=page.photo is not None,
            result_count=page.total,
            source=source,
            session=session,
            address=address,
        )
        if log is None:
            return ""
        session[LAST_SEARCH_KEY] = [key, log.pk]
    products = page.page.object_list
    attribution.results_sign(log=log, products=products, first_position=page.page.start_index())
    return attribution.search_id_sign(log=log)


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
    for query in popular_searches(prefix=words, limit=3):
        found.append(Suggestion("Popular search", query, ProductFilters(q=query).url()))
    room = MAX_SUGGESTIONS - len(found)
    if room > 0:
        for product in (
            Product.objects.browsable().filter(name__icontains=words).order_by("name")[:room]
        ):
            found.append(Suggestion("Product", product.name, product.get_absolute_url()))
    return found[:MAX_SUGGESTIONS]


def popular_searches(*, prefix: str = "", limit: int = 10) -> list[str]:
    """Words at least SHOP_POPULAR_SEARCH_MIN_SHOPPERS distinct shoppers searched for and
    found something with, over the raw log's days, most shoppers first.

    A query whose latest search found nothing is left out (the catalog changed, or it
    never could answer it): a suggestion always leads somewhere.
    """
    since = timezone.now() - timedelta(days=settings.SHOP_SEARCH_LOG_KEEP_DAYS)
    found = Q(result_count__gt=0)
    rows = (
        SearchQueryLog.objects.filter(created_at__gte=since, query__startswith=prefix)
        .exclude(query="")
        .exclude(shopper="")
        .values("query")
        .annotate(
            shoppers=Count("shopper", distinct=True, filter=found),
            last_found=Max("created_at", filter=found),
            last_empty=Max("created_at", filter=~found),
        )
        .filter(shoppers__gte=settings.SHOP_POPULAR_SEARCH_MIN_SHOPPERS)
        .filter(Q(last_empty__isnull=True) | Q(last_empty__lt=F("last_found")))
        .order_by("-shoppers", "query")[:limit]
    )
    return [row["query"] for row in rows]
