"""Vector scoring in PostgreSQL + pgvector, faithful to BLIP-2.

Scores (all vectors are L2-normalised, so inner product = cosine):
- text -> product: BLIP-2's ITC, the maximum over a product's 32 query embeddings
  of their inner product with the text embedding (as Blip2ForImageTextRetrieval).
- photo -> product: cosine between the pooled (mean of 32, renormalised) query
  embeddings of the shopper's photo and of the product photo. ITC is defined for
  image-text pairs only; the pooled vector is a global descriptor of the photo.
- photo + text: ``w * ITC(text) + (1 - w) * cosine(photo)``, w a parameter.

How a ranking is computed (``rank``):
- A small set of allowed products (the shopper's filters resolved to ids first, at
  most ``exact_max`` of them) is scored exactly: the btree on the query embeddings'
  product id reads their 32 rows each. Recall 1.0, k rows whenever k match.
- Otherwise candidates come from the HNSW indexes, restricted to the allowed ids
  while the index is walked (pgvector's iterative scan keeps walking until enough
  rows pass), and are rescored exactly. Each channel returns its nearest rows in
  order, so the last row's similarity bounds every product not seen: a product's
  ITC is its best row, so one with no row among the first n cannot score above the
  n-th row. When the k-th exact score reaches that bound the top k is the exact top
  k (as far as the index returned the true nearest rows); otherwise the depth
  doubles, and past ``ANN_MAX_ROWS`` the exact scan answers. Photo + text combines
  the two channels' bounds with the same weights.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from django.db import connections, router, transaction
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL
from pgvector.django import MaxInnerProduct

from shop.id_arrays import ids_of

# Rows taken from each HNSW channel at first (at least 4 per wanted product), and
# the deepest walk before the exact scan takes over. Measured with
# bench/vector_search_scale.py: the exact top 10 sits within ~40 rows, but the walk
# misses some of them; text alone takes twice as many (same walk, same ef_search),
# which lifted unfiltered recall@10 at 44k from 0.977 to 0.982 at the same latency.
# With a photo, its channel makes up for the text walk's misses (0.994 at 64 rows,
# and 128 would double the products rescored).
ANN_FIRST_ROWS = 64
ANN_FIRST_ROWS_TEXT_ALONE = 128
ANN_MAX_ROWS = 4096
# HNSW's candidate list: wider than the rows taken, so the nearest rows come back
# with few misses (the bound below trusts them to be the nearest).
ANN_EF_SEARCH = 1000
# Tuples an iterative index scan may visit for one query; a filter far from the
# query that is not met by then is answered by the exact scan instead.
ANN_MAX_SCAN_TUPLES = 40_000
# Rows per product in each channel's table.
ROWS = {"text": 32, "image": 1}
# Float rounding between pgvector's <=> and <#> on the same vectors.
BOUND_SLACK = 1e-5


def _reads() -> str:
    """The database vector queries read: a replica during a read-only request
    (``shop/db_router.py``), else the primary."""
    from shop.search.models import ProductQueryEmbedding

    return router.db_for_read(ProductQueryEmbedding)


def vector_literal(vector: np.ndarray) -> str:
    return "[" + ",".join(f"{float(x):.7g}" for x in vector) + "]"


@dataclass(frozen=True)
class VectorQuery:
    """What to score with: a text embedding, a pooled photo embedding, or both."""

    text: np.ndarray | None = None
    image: np.ndarray | None = None
    text_weight: float = 0.5

    def __post_init__(self) -> None:
        if self.text is None and self.image is None:
            raise ValueError("a vector query needs a text or an image embedding")
        if not 0.0 <= self.text_weight <= 1.0:
            raise ValueError("text_weight must be between 0 and 1")

    @property
    def channel(self) -> str:
        """The table whose rows an exact score reads per product (text: all 32)."""
        return "text" if self.text is not None else "image"

    @property
    def weights(self) -> tuple[float, float]:
        """(text weight, photo weight) of the combined score."""
        if self.text is not None and self.image is not None:
            return self.text_weight, 1.0 - self.text_weight
        return (1.0, 0.0) if self.text is not None else (0.0, 1.0)


def _score_select(query: VectorQuery) -> tuple[str, list[object]]:
    """The exact score over ``qe`` (query vectors, grouped by product) and ``p``."""
    if query.text is None:
        return "-(p.embedding <#> %s::vector)", [vector_literal(query.image)]
    select = "MAX(-(qe.embedding <#> %s::vector))"
    params: list[object] = [vector_literal(query.text)]
    if query.image is not None:
        w_text, w_image = query.weights
        select = f"%s * {select} + %s * MAX(-(p.embedding <#> %s::vector))"
        params = [w_text, *params, w_image, vector_literal(query.image)]
    return select, params


def exact_scores(
    query: VectorQuery, *, product_ids: Sequence[int], limit: int
) -> list[tuple[int, float]]:
    """Exact top-``limit`` (product id, score) among these products, best first.

    Reads each product's rows through the btrees on product id, so the cost follows
    the number of products, never the catalog's size. The ids must already be
    allowed (filters, active, embedded with the current model).
    """
    if not product_ids or limit <= 0:
        return []
    ids = list(product_ids)
    if query.text is not None and query.image is not None:
        # Each product's ITC over its 32 rows first, then its one photo cosine: a
        # join before grouping would compute the photo cosine 32 times a product.
        w_text, w_image = query.weights
        sql = (
            "SELECT t.product_id, %s * t.itc + %s * -(p.embedding <#> %s::vector) AS score "
            "FROM (SELECT qe.product_id, MAX(-(qe.embedding <#> %s::vector)) AS itc "
            "FROM catalog_productqueryembedding qe WHERE qe.product_id = ANY(%s::bigint[]) "
            "GROUP BY qe.product_id) t JOIN catalog_product p ON p.id = t.product_id "
            # The ids again: the planner would otherwise scan every product to join.
            "WHERE p.id = ANY(%s::bigint[]) ORDER BY score DESC, t.product_id LIMIT %s"
        )
        params = [
            w_text,
            w_image,
            vector_literal(query.image),
            vector_literal(query.text),
            ids,
            ids,
            limit,
        ]
    elif query.text is not None:
        sql = (
            "SELECT qe.product_id, MAX(-(qe.embedding <#> %s::vector)) AS score "
            "FROM catalog_productqueryembedding qe WHERE qe.product_id = ANY(%s::bigint[]) "
            "GROUP BY qe.product_id ORDER BY score DESC, qe.product_id LIMIT %s"
        )
        params = [vector_literal(query.text), ids, limit]
    else:
        sql = (
            "SELECT p.id, -(p.embedding <#> %s::vector) AS score FROM catalog_product p "
            "WHERE p.id = ANY(%s::bigint[]) ORDER BY score DESC, p.id LIMIT %s"
        )
        params = [vector_literal(query.image), ids, limit]
    with connections[_reads()].cursor() as cursor:
        cursor.execute(sql, params)
        return [(row[0], float(row[1])) for row in cursor.fetchall()]


def exact_scores_over_model(
    query: VectorQuery, *, model_id: str, limit: int
) -> list[tuple[int, float]]:
    """Exact top-``limit`` over every product embedded with ``model_id`` (calibration,
    evaluation: not a shopper's search, which goes through ``rank``)."""
    from shop.catalog.models import Product

    ids = Product.objects.embedded_with(model_id).values_list("id", flat=True)
    return exact_scores(query, product_ids=list(ids), limit=limit)


def exact_photo_scores(
    image: np.ndarray, *, products: QuerySet, limit: int
) -> list[tuple[int, float]]:
    """Exact top-``limit`` (product id, photo cosine) among a queryset of products.

    Filtered by article type, this is an index-only scan of
    ``product_embedded_by_category``, which keeps each type's pooled vectors together.
    """
    ranked = (
        products.annotate(distance=MaxInnerProduct("embedding", image))
        .order_by("distance", "id")
        .values_list("id", "distance")[:limit]
    )
    return [(pk, -float(distance)) for pk, distance in ranked]


def _channel_rows(
    name: str,
    vector: np.ndarray,
    *,
    allowed_ids: list[int] | None,
    exact_photos: QuerySet | None,
    rows: int,
) -> tuple[str, list[object]]:
    """A CTE with the ``rows`` nearest rows (id, cosine) of one channel, in order.

    Text walks the query-vector HNSW index, a photo the pooled one; the filter is a
    hashed ANY over the resolved ids checked on the rows the walk yields (``+ 0``
    keeps the planner off the product-id btree). ``exact_photos`` replaces the photo
    walk by the exact scan of those products (index-only for an article type).
    """
    if name == "image" and exact_photos is not None:
        sql, params = (
            exact_photos.annotate(distance=MaxInnerProduct("embedding", vector))
            .order_by("distance", "id")
            .values_list("id", "distance")[:rows]
            .query.sql_with_params()
        )
        return f"image_rows AS MATERIALIZED (SELECT id, -distance AS sim FROM ({sql}) e)", [*params]
    table, column = (
        ("catalog_productqueryembedding", "product_id")
        if name == "text"
        else ("catalog_product", "id")
    )
    literal = vector_literal(vector)
    where, params = "", []
    if allowed_ids is not None:
        where, params = f"WHERE ({column} + 0) = ANY(%s::bigint[])", [allowed_ids]
    return (
        f"{name}_rows AS MATERIALIZED (SELECT {column} AS id, "
        f"1 - (embedding <=> %s::vector) AS sim FROM {table} {where} "
        "ORDER BY embedding <=> %s::vector LIMIT %s)",
        [literal, *params, literal, rows],
    )


@dataclass(frozen=True)
class _Round:
    ranked: list[tuple[int, float]]
    found: dict[str, int]  # rows each channel returned
    last: dict[str, float]  # the similarity of each channel's last row


def _ann_round(
    query: VectorQuery,
    *,
    allowed_ids: list[int] | None,
    exact_photos: QuerySet | None,
    valid: QuerySet,
    rows: int,
    limit: int,
) -> _Round:
    """One database round trip: planner settings, the channels' walks, the exact rescore."""
    names = [name for name in ("text", "image") if getattr(query, name) is not None]
    ctes, params = [], []
    for name in names:
        cte, cte_params = _channel_rows(
            name,
            getattr(query, name),
            allowed_ids=allowed_ids,
            exact_photos=exact_photos,
            rows=rows,
        )
        ctes.append(cte)
        params += cte_params
    candidates = " UNION ".join(f"SELECT id FROM {name}_rows" for name in names)
    stats = ", ".join(
        f"(SELECT count(*) FROM {name}_rows) AS {name}_n, "
        f"(SELECT min(sim) FROM {name}_rows) AS {name}_last"
        for name in names
    )
    select, score_params = _score_select(query)
    if query.text is not None:
        score_sql = (
            f"SELECT qe.product_id AS id, {select} AS score "
            "FROM catalog_productqueryembedding qe "
            + ("JOIN catalog_product p ON p.id = qe.product_id " if query.image is not None else "")
            + "WHERE qe.product_id IN (SELECT id FROM cand) {valid} GROUP BY qe.product_id"
        )
        key = "qe.product_id"
    else:
        score_sql = (
            f"SELECT p.id, {select} AS score FROM catalog_product p "
            "WHERE p.id IN (SELECT id FROM cand) {valid}"
        )
        key = "p.id"
    valid_params: list[object] = []
    valid_sql = ""
    if allowed_ids is None:  # unfiltered: keep only what a shopper may get
        sql, vparams = (
            valid.filter(id__in=RawSQL("SELECT id FROM cand", [])).values("id").query
        ).sql_with_params()
        valid_sql, valid_params = f"AND {key} IN ({sql})", list(vparams)
    score_sql = score_sql.format(valid=valid_sql)
    ef = min(1000, max(ANN_EF_SEARCH, rows))
    sql = (
        # SET LOCAL holds for this statement's implicit transaction (or the caller's).
        f"SET LOCAL hnsw.ef_search = {int(ef)}; "
        "SET LOCAL hnsw.iterative_scan = relaxed_order; "
        f"SET LOCAL hnsw.max_scan_tuples = {int(ANN_MAX_SCAN_TUPLES)}; "
        f"WITH {', '.join(ctes)}, cand AS ({candidates}), stats AS (SELECT {stats}) "
        f"SELECT s.id, s.score, stats.* FROM stats LEFT JOIN ({score_sql} "
        "ORDER BY score DESC, id LIMIT %s) s ON true ORDER BY s.score DESC, s.id"
    )
    with connections[_reads()].cursor() as cursor:
        cursor.execute(sql, [*params, *score_params, *valid_params, limit])
        while cursor.description is None and cursor.nextset():
            pass
        result = cursor.fetchall()
    first = result[0]
    found = {name: first[2 + 2 * i] for i, name in enumerate(names)}
    last = {name: first[3 + 2 * i] for i, name in enumerate(names)}
    ranked = [(row[0], float(row[1])) for row in result if row[0] is not None]
    return _Round(ranked=ranked, found=found, last=last)


def _ann_rank(
    query: VectorQuery,
    *,
    allowed_ids: list[int] | None,
    exact_photos: QuerySet | None,
    valid: QuerySet,
    limit: int,
) -> list[tuple[int, float]] | None:
    """HNSW candidates rescored exactly, deepened until certified; None to go exact."""
    first = ANN_FIRST_ROWS_TEXT_ALONE if query.image is None else ANN_FIRST_ROWS
    rows = max(first, 4 * limit)
    while rows <= ANN_MAX_ROWS:
        result = _ann_round(
            query,
            allowed_ids=allowed_ids,
            exact_photos=exact_photos,
            valid=valid,
            rows=rows,
            limit=limit,
        )
        bound, exhausted = 0.0, False
        for name, weight in zip(("text", "image"), query.weights, strict=True):
            if name not in result.found:
                continue
            if result.found[name] == rows:
                bound += weight * result.last[name]
            elif allowed_ids is not None and result.found[name] == len(allowed_ids) * ROWS[name]:
                exhausted = True  # every allowed product is a candidate
            else:
                # Fewer rows than asked although more exist: the walk gave up
                # (max_scan_tuples) before reaching them.
                return None
        if exhausted:
            return result.ranked
        if len(result.ranked) == limit and result.ranked[-1][1] >= bound - BOUND_SLACK:
            return result.ranked
        rows *= 4
    return None


class Scorer(Protocol):
    """An exact scorer outside PostgreSQL (``shop.search.accelerator``)."""

    min_products: int

    def rank(
        self, query: VectorQuery, *, valid: QuerySet, allowed_ids: list[int] | None, limit: int
    ) -> list[tuple[int, float]] | None: ...


def rank(
    query: VectorQuery,
    *,
    valid: QuerySet,
    allowed: QuerySet | None,
    limit: int,
    exact_max: int,
    scorer: Scorer | None = None,
) -> list[tuple[int, float]]:
    """Top-``limit`` (product id, score), exact or certified; see the module docstring.

    ``valid`` are the products a shopper may get (active, embedded with the current
    model), ``allowed`` those of them the filters keep (None: no filter; article types
    already resolved to ids). Exact when the allowed products' rows number at most
    ``32 * exact_max``: text reads 32 rows a product, a photo alone one. A ``scorer``
    answers first when at least its ``min_products`` are allowed; it may decline (None).
    """
    allowed_ids = None if allowed is None else ids_of(allowed)
    if scorer is not None and (allowed_ids is None or len(allowed_ids) >= scorer.min_products):
        ranked = scorer.rank(query, valid=valid, allowed_ids=allowed_ids, limit=limit)
        if ranked is not None:
            return ranked
    exact_photos = allowed_ids is not None and len(allowed_ids) <= exact_max * 32
    if allowed_ids is not None and len(allowed_ids) * ROWS[query.channel] <= exact_max * 32:
        if query.text is None:
            return exact_photo_scores(query.image, products=allowed, limit=limit)
        return exact_scores(query, product_ids=allowed_ids, limit=limit)
    ranked = _ann_rank(
        query,
        allowed_ids=allowed_ids,
        exact_photos=allowed if exact_photos else None,
        valid=valid,
        limit=limit,
    )
    if ranked is not None:
        return ranked
    if allowed_ids is None:
        allowed_ids = ids_of(valid)
    return exact_scores(query, product_ids=allowed_ids, limit=limit)


def similar_products(
    embedding: np.ndarray | Sequence[float], *, model_id: str, exclude_id: int, limit: int
) -> list[tuple[int, float]]:
    """Nearest products by pooled image embedding (HNSW; an unfiltered query)."""
    database = _reads()
    with transaction.atomic(using=database), connections[database].cursor() as cursor:
        cursor.execute("SET LOCAL hnsw.ef_search = %s", [max(40, limit * 4)])
        cursor.execute("SET LOCAL hnsw.iterative_scan = relaxed_order")
        cursor.execute(
            "SELECT p.id, 1 - (p.embedding <=> %s::vector) FROM catalog_product p "
            "WHERE p.embedding_model = %s AND p.id <> %s AND p.is_active "
            "ORDER BY p.embedding <=> %s::vector LIMIT %s",
            [
                vector_literal(np.asarray(embedding)),
                model_id,
                exclude_id,
                vector_literal(np.asarray(embedding)),
                limit,
            ],
        )
        # The index returns equal distances in whatever order its graph holds them.
        rows = [(row[0], float(row[1])) for row in cursor.fetchall()]
        return sorted(rows, key=lambda row: (-row[1], row[0]))
