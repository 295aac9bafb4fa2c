"""Reads from the catalog: browsing, facets and keyword search."""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connections, router
from django.db.models import Count, F, Q, QuerySet

from shop.catalog.exceptions import CatalogError
from shop.catalog.models import Category, Product
from shop.id_arrays import IdArray
from shop.search import merchandising, relevance, vector_search
from shop.search.accelerator import accelerator_for
from shop.search.filters import FACETS, SORTS, ProductFilters, ordering

if TYPE_CHECKING:
    import numpy as np
    from PIL.Image import Image as PILImage

    from shop.search.encoder import Blip2Encoder

logger = logging.getLogger(__name__)

# One place turns request parameters into filters: filters.py. Re-exported here for
# the API, services and the assistant.
__all__ = ["FACETS", "SORTS", "ProductFilters"]


def keyword_query(text: str) -> SearchQuery:
    return SearchQuery(text, search_type="websearch", config="english")


def product_list(
    *, filters: ProductFilters, q: str = "", sort: str = "relevance"
) -> QuerySet[Product]:
    """Browsable products matching the filters and, if given, the keywords."""
    queryset = filters.apply(Product.objects.browsable()).for_display()
    if q:
        query = keyword_query(q)
        queryset = queryset.filter(search_vector=query).annotate(
            rank=SearchRank(F("search_vector"), query, cover_density=True)
        )
    if sort == "relevance" and q:
        return queryset.order_by("-rank", "name", "id")
    return queryset.order_by(*ordering(sort))


# Stands for the words in the keyword statement compiled once (``keyword_ranking``).
_WORDS = "keyword-ranking-words-7c1e"


@functools.cache
def _keyword_statement(using: str) -> tuple[str, tuple[object, ...]]:
    query = product_list(filters=ProductFilters(), q=_WORDS).values_list("id", flat=True).query
    return query.get_compiler(using).as_sql()


def keyword_ranking(words: str) -> list[int]:
    """``product_list(q=words)``'s ids, best first: its own statement, compiled once
    (Django compiled it again on every results page: ~1 ms of the page's CPU)."""
    using = router.db_for_read(Product)
    sql, params = _keyword_statement(using)
    with connections[using].cursor() as cursor:
        cursor.execute(sql, [words if param == _WORDS else param for param in params])
        return [row[0] for row in cursor.fetchall()]


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


# --- multimodal search ---------------------------------------------------------------

RRF_K = 60  # reciprocal rank fusion constant (Cormack et al.), the usual default
# Shoppers are told what they can do; the operator finds the reason in the log.
VISUAL_SEARCH_UNAVAILABLE = "Visual search is unavailable right now; showing keyword matches."
PHOTO_SEARCH_UNAVAILABLE = (
    "Photo search is unavailable right now. Please try again later, or search with words."
)
MAX_K = 100


@dataclass
class SearchHit:
    product: Product
    score: float
    vector_score: float | None = None
    keyword_rank: int | None = None


@dataclass
class SearchResult:
    hits: list[SearchHit]
    # Said to the shopper when a channel could not run (e.g. no model loaded).
    notice: str = ""
    used_vectors: bool = False


def _encoder_or_none() -> Blip2Encoder | None:
    """The BLIP-2 encoder, or None when it cannot load."""
    from shop.search.encoder import EncoderUnavailable, get_encoder

    try:
        return get_encoder()
    except EncoderUnavailable:
        return None  # the encoder module logged why


@functools.lru_cache(maxsize=2048)
def _text_embedding(encoder: Blip2Encoder, text: str) -> np.ndarray:
    # Paging, filtering and the assistant repeat the same words; a real BLIP-2 text
    # pass costs ~100 ms on a CPU.
    vector = encoder.encode_texts([text])[0]
    vector.setflags(write=False)
    return vector


def product_vector_ranking(
    *,
    text_embedding: np.ndarray | None = None,
    image_embedding: np.ndarray | None = None,
    model_id: str,
    filters: ProductFilters | None = None,
    limit: int,
    text_weight: float = 0.5,
) -> list[tuple[int, float]]:
    """(product id, score) by BLIP-2 scores, best first; see vector_search for how.

    The filters are resolved to product ids first (index-only for article types), so
    the vector query never carries a subquery the planner misjudges. Filters matching
    at most SHOP_SEARCH_EXACT_MAX_PRODUCTS products (32x as many for a photo alone)
    are scored exactly; bigger ones and unfiltered searches take HNSW candidates,
    rescored exactly and deepened until a bound certifies them. Either way ``limit``
    rows come back whenever that many embedded products match. With words, a search
    over big sets goes to the accelerator first (``shop.search.accelerator``: exact
    too, outside PostgreSQL's executor), when it has a usable build.
    """
    query = vector_search.VectorQuery(
        text=text_embedding, image=image_embedding, text_weight=text_weight
    )
    filters = filters or ProductFilters()
    valid = Product.objects.browsable().embedded_with(model_id).order_by()
    return vector_search.rank(
        query,
        valid=valid,
        allowed=None if filters.is_empty() else filters.apply(valid),
        limit=limit,
        exact_max=settings.SHOP_SEARCH_EXACT_MAX_PRODUCTS,
        # Words (alone or with a photo) over big sets; a photo alone is an index-only
        # scan in PostgreSQL already.
        scorer=accelerator_for(model_id) if text_embedding is not None else None,
    )


def product_vector_matches(
    *,
    encoder: Blip2Encoder,
    text_embedding: np.ndarray | None = None,
    image_embedding: np.ndarray | None = None,
    filters: ProductFilters | None = None,
    limit: int,
    text_weight: float,
) -> list[tuple[int, float]]:
    """The products the vector channel vouches for: its ranking above the floor.

    The floor is the model's calibrated one for the query's channel mix
    (``relevance.floor_for``); BLIP-2 scores every product for any query, so
    anything not clearing it by the stated margin (``relevance.vouches``) is filler.
    Empty while no product is embedded with the model (nothing to calibrate, nothing
    to rank). Both the results page and
    ``product_search`` keep a vector match only through here.
    """
    if text_embedding is None and image_embedding is None:
        return []
    calibration = relevance.calibration_get(encoder=encoder)
    if calibration is None:
        return []
    floor = relevance.floor_for(
        calibration,
        text=text_embedding is not None,
        image=image_embedding is not None,
        text_weight=text_weight,
    )
    ranked = product_vector_ranking(
        text_embedding=text_embedding,
        image_embedding=image_embedding,
        model_id=encoder.model_id,
        filters=filters,
        limit=limit,
        text_weight=text_weight,
    )
    return [(pk, score) for pk, score in ranked if relevance.vouches(score, floor)]


def _reciprocal_rank_fusion(*rankings: list[int]) -> dict[int, float]:
    fused: dict[int, float] = {}
    for ranking in rankings:
        for rank, pk in enumerate(ranking, start=1):
            fused[pk] = fused.get(pk, 0.0) + 1.0 / (RRF_K + rank)
    return fused


def product_search(
    *,
    text: str = "",
    image: PILImage | None = None,
    filters: ProductFilters | None = None,
    k: int = 12,
    text_weight: float | None = None,
) -> SearchResult:
    """Find products by words, a photo, or both; hybrid with full-text search.

    The vector ranking (BLIP-2) and, when there are words, the keyword ranking
    (PostgreSQL full-text search, so exact words like "Puma" or "kurta" count) are
    fused by reciprocal rank. A product comes back only when a channel vouches for
    it: the keyword channel matched it, or its vector score is above the model's
    calibrated floor for the query's channel mix (``product_vector_matches``, the
    rule the results page uses). Nonsense ("spaceship", "zzzz") finds nothing, and
    nothing pads the list: a filtered search returns k results whenever k vouched-for
    products match the filters. Products not embedded yet come back only as keyword
    matches.
    """
    text = text.strip()
    if not text and image is None:
        raise CatalogError("Type what you are looking for or add a photo.")
    k = max(1, min(k, MAX_K))
    filters = filters or ProductFilters()
    weight = settings.SHOP_SEARCH_TEXT_WEIGHT if text_weight is None else text_weight
    depth = max(k * 4, 50)

    encoder = _encoder_or_none()
    if encoder is None and image is not None:
        raise CatalogError(PHOTO_SEARCH_UNAVAILABLE, status=503)

    vector_ranked: list[tuple[int, float]] = []
    if encoder is not None:
        # Scores fall down the ranking, so the vouched-for ones within ``depth`` are
        # every vouched-for product unless ``depth`` of them pass: never short of k.
        vector_ranked = product_vector_matches(
            encoder=encoder,
            text_embedding=_text_embedding(encoder, text) if text else None,
            image_embedding=(
                encoder.pooled(encoder.encode_images([image]))[0] if image is not None else None
            ),
            filters=filters,
            limit=depth,
            text_weight=weight,
        )
    keyword_ids: list[int] = []
    if text:
        keyword_ids = list(
            product_list(filters=filters, q=text).values_list("id", flat=True)[:depth]
        )

    if text:
        fused = _reciprocal_rank_fusion([pk for pk, _ in vector_ranked], keyword_ids)
    else:
        # A photo alone is one channel: its similarity is the score.
        fused = dict(vector_ranked)
    # Merchandising rules and stock, as on the results page (one place: merchandising).
    plan = merchandising.plan_for(words=text, categories=filters.category)
    shown = plan.visible(
        filters.apply(Product.objects.browsable()).filter(
            plan.matched_or_pinned(Q(id__any=IdArray(fused)))
        )
    )
    ranked = sorted(fused, key=lambda pk: (-fused[pk], pk))
    ordered = list(merchandising.apply(shown, plan=plan, ranked=ranked)[:k])
    products = Product.objects.for_display().in_bulk(ordered)
    vector_scores = dict(vector_ranked)
    keyword_ranks = {pk: rank for rank, pk in enumerate(keyword_ids, start=1)}
    hits = [
        SearchHit(
            product=products[pk],
            score=fused.get(pk, 0.0),
            vector_score=vector_scores.get(pk),
            keyword_rank=keyword_ranks.get(pk),
        )
        for pk in ordered
        if pk in products
    ]
    return SearchResult(
        hits=hits,
        notice="" if encoder is not None else VISUAL_SEARCH_UNAVAILABLE,
        used_vectors=encoder is not None,
    )


def product_similar(*, product: Product, k: int = 8) -> list[Product]:
    """Products whose photos look most like this one's (same model's embeddings)."""
    if product.embedding is None or not product.embedding_model:
        return []
    ranked = vector_search.similar_products(
        product.embedding, model_id=product.embedding_model, exclude_id=product.pk, limit=k
    )
    products = Product.objects.for_display().in_bulk([pk for pk, _ in ranked])
    return [products[pk] for pk, _ in ranked if pk in products]
