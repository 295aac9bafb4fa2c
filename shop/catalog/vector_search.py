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

import os
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from django.db import connection, transaction
from django.db.models import QuerySet
from pgvector.django import MaxInnerProduct

# Rows taken from each HNSW channel at first (at least 4 per wanted product), and
# the deepest walk before the exact scan takes over. Measured with
# bench/vector_search_scale.py: the exact top 10 sits within ~40 rows.
ANN_FIRST_ROWS = 64
ANN_MAX_ROWS = 4096
# HNSW's candidate list: wider than the rows taken, so the nearest rows come back
# with few misses (the bound below trusts them to be the nearest).
ANN_EF_SEARCH = int(os.environ.get("EF", 200))
# Tuples an iterative index scan may visit for one query; a filter far from the
# query that is not met by then is answered by the exact scan instead.
ANN_MAX_SCAN_TUPLES = 40_000
# Rows per product in each channel's table.
ROWS = {"text": 32, "image": 1}
# Float rounding between pgvector's <=> and <#> on the same vectors.
BOUND_SLACK = 1e-5


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
    w_text, w_image = query.weights
    if query.text is not None:
        select = "MAX(-(qe.embedding <#> %s::vector))"
        params: list[object] = [vector_literal(query.text)]
        if query.image is not None:
            select = f"%s * {select} + %s * MAX(-(p.embedding <#> %s::vector))"
            params = [w_text, *params, w_image, vector_literal(query.image)]
        sql = (
            f"SELECT qe.product_id, {select} AS score "
            "FROM catalog_productqueryembedding qe "
            + ("JOIN catalog_product p ON p.id = qe.product_id " if query.image is not None else "")
            + "WHERE qe.product_id = ANY(%s::bigint[]) "
            "GROUP BY qe.product_id ORDER BY score DESC, qe.product_id LIMIT %s"
        )
    else:
        sql = (
            "SELECT p.id, -(p.embedding <#> %s::vector) AS score FROM catalog_product p "
            "WHERE p.id = ANY(%s::bigint[]) ORDER BY score DESC, p.id LIMIT %s"
        )
        params = [vector_literal(query.image)]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, ids, limit])
        return [(row[0], float(row[1])) for row in cursor.fetchall()]


def _nearest_rows(
    cursor, channel: str, vector: np.ndarray, *, allowed_ids: Sequence[int] | None, rows: int
) -> list[tuple[int, float]]:
    """(product id, cosine) of the ``rows`` nearest rows in one HNSW channel, in order.

    ``+ 0`` keeps the planner off the product-id btree: the filter is checked on the
    rows the HNSW walk yields (a hashed ANY over the resolved ids), not used to drive
    the scan.
    """
    table, column = (
        ("catalog_productqueryembedding", "product_id")
        if channel == "text"
        else ("catalog_product", "id")
    )
    literal = vector_literal(vector)
    where, params = "", []
    if allowed_ids is not None:
        where, params = f"WHERE ({column} + 0) = ANY(%s::bigint[])", [list(allowed_ids)]
    cursor.execute(
        f"SELECT {column}, 1 - (embedding <=> %s::vector) FROM {table} {where} "
        f"ORDER BY embedding <=> %s::vector LIMIT %s",
        [literal, *params, literal, rows],
    )
    return [(row[0], float(row[1])) for row in cursor.fetchall()]


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


def _ann_rank(
    query: VectorQuery,
    *,
    allowed: QuerySet | None,
    allowed_ids: list[int] | None,
    valid: QuerySet,
    limit: int,
    exact_photos: bool,
) -> list[tuple[int, float]] | None:
    """HNSW candidates rescored exactly, deepened until certified; None to go exact.

    With ``exact_photos`` the photo channel's rows come from the exact scan (cheap
    for a category filter), so its bound is exact too.
    """
    channels = [
        (name, vector, weight)
        for name, vector, weight in (
            ("text", query.text, query.weights[0]),
            ("image", query.image, query.weights[1]),
        )
        if vector is not None
    ]
    rows = max(ANN_FIRST_ROWS, 4 * limit)
    while rows <= ANN_MAX_ROWS:
        candidates: dict[int, None] = {}
        bound = 0.0
        exhausted = False
        with transaction.atomic(), connection.cursor() as cursor:
            # SET LOCAL, in one round trip: the transaction ends the settings.
            cursor.execute(
                "SELECT set_config('hnsw.ef_search', %s, true), "
                "set_config('hnsw.iterative_scan', 'strict_order', true), "
                "set_config('hnsw.max_scan_tuples', %s, true)",
                [str(min(1000, max(ANN_EF_SEARCH, rows))), str(ANN_MAX_SCAN_TUPLES)],
            )
            for name, vector, weight in channels:
                if name == "image" and exact_photos and allowed is not None:
                    found = exact_photo_scores(vector, products=allowed, limit=rows)
                else:
                    found = _nearest_rows(cursor, name, vector, allowed_ids=allowed_ids, rows=rows)
                candidates.update((pk, None) for pk, _ in found)
                if len(found) == rows:
                    bound += weight * found[-1][1]
                elif allowed_ids is not None and len(found) == len(allowed_ids) * ROWS[name]:
                    exhausted = True  # every allowed product is a candidate
                else:
                    # Fewer rows than asked although more exist: the walk gave up
                    # (max_scan_tuples) before reaching them.
                    return None
        ids = list(candidates)
        if allowed_ids is None:  # unfiltered: keep what a shopper may get
            ids = list(valid.filter(id__in=ids).values_list("id", flat=True))
        ranked = exact_scores(query, product_ids=ids, limit=limit)
        if exhausted:
            return ranked  # every allowed row was seen
        if len(ranked) == limit and ranked[-1][1] >= bound - BOUND_SLACK:
            return ranked
        rows *= 4
    return None


def _ids(products: QuerySet) -> list[int]:
    """The queryset's ids as one array: one row to parse, not thousands of rows."""
    sql, params = products.values("id").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(array_agg(id), '{{}}') FROM ({sql}) allowed", params)
        return cursor.fetchone()[0]


def rank(
    query: VectorQuery,
    *,
    valid: QuerySet,
    allowed: QuerySet | None,
    limit: int,
    exact_max: int,
) -> list[tuple[int, float]]:
    """Top-``limit`` (product id, score), exact or certified; see the module docstring.

    ``valid`` are the products a shopper may get (active, embedded with the current
    model), ``allowed`` those of them the filters keep (None: no filter; article types
    already resolved to ids). Exact when the allowed products' rows number at most
    ``32 * exact_max``: text reads 32 rows a product, a photo alone one.
    """
    allowed_ids = None if allowed is None else _ids(allowed)
    exact_photos = allowed_ids is not None and len(allowed_ids) <= exact_max * 32
    if allowed_ids is not None and len(allowed_ids) * ROWS[query.channel] <= exact_max * 32:
        if query.text is None:
            return exact_photo_scores(query.image, products=allowed, limit=limit)
        return exact_scores(query, product_ids=allowed_ids, limit=limit)
    ranked = _ann_rank(
        query,
        allowed=allowed,
        allowed_ids=allowed_ids,
        valid=valid,
        limit=limit,
        exact_photos=exact_photos,
    )
    if ranked is not None:
        return ranked
    if allowed_ids is None:
        allowed_ids = _ids(valid)
    return exact_scores(query, product_ids=allowed_ids, limit=limit)


def similar_products(
    embedding: np.ndarray | Sequence[float], *, model_id: str, exclude_id: int, limit: int
) -> list[tuple[int, float]]:
    """Nearest products by pooled image embedding (HNSW; an unfiltered query)."""
    with transaction.atomic(), connection.cursor() as cursor:
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
        return [(row[0], float(row[1])) for row in cursor.fetchall()]
