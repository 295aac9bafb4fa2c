"""Vector scoring in PostgreSQL + pgvector, faithful to BLIP-2.

Scores (all vectors are L2-normalised, so inner product = cosine):
- text -> product: BLIP-2's ITC, the maximum over a product's 32 query embeddings
  of their inner product with the text embedding (as Blip2ForImageTextRetrieval).
- photo -> product: cosine between the pooled (mean of 32, renormalised) query
  embeddings of the shopper's photo and of the product photo. ITC is defined for
  image-text pairs only; the pooled vector is a global descriptor of the photo.
- photo + text: ``w * ITC(text) + (1 - w) * cosine(photo)``, w a parameter.

Exact versus approximate: the exact SQL below uses the inner-product operator
``<#>``, which the cosine HNSW indexes cannot serve, so PostgreSQL always scans the
rows left after the btree-backed filters: k rows come back whenever k match, with
recall 1.0. Only unfiltered searches over a large catalog use HNSW (``<=>``), and then
only to pick candidates that are rescored exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from django.db import connection, transaction

# Candidate rows taken from HNSW before the exact rescore. ef_search must be at
# least this (pgvector caps it at 1000); iterative scans keep the count when rows
# are filtered out (other models' rows).
ANN_QUERY_ROWS = 1000
ANN_PRODUCT_ROWS = 400


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


def _score_sql(query: VectorQuery) -> tuple[str, list[object], str, str]:
    """SELECT expression, its params, FROM clause and GROUP BY for the exact score."""
    if query.text is not None and query.image is not None:
        w = query.text_weight
        return (
            "%s * MAX(-(qe.embedding <#> %s::vector)) + %s * (-(p.embedding <#> %s::vector))",
            [w, vector_literal(query.text), 1.0 - w, vector_literal(query.image)],
            "catalog_product p JOIN catalog_productqueryembedding qe ON qe.product_id = p.id",
            "GROUP BY p.id, p.embedding",
        )
    if query.text is not None:
        return (
            "MAX(-(qe.embedding <#> %s::vector))",
            [vector_literal(query.text)],
            "catalog_product p JOIN catalog_productqueryembedding qe ON qe.product_id = p.id",
            "GROUP BY p.id",
        )
    return ("-(p.embedding <#> %s::vector)", [vector_literal(query.image)], "catalog_product p", "")


def exact_scores(
    query: VectorQuery,
    *,
    model_id: str,
    limit: int,
    allowed_sql: str | None = None,
    allowed_params: Sequence[object] = (),
    candidate_ids: Sequence[int] | None = None,
) -> list[tuple[int, float]]:
    """Exact top-``limit`` (product id, score), optionally restricted.

    ``allowed_sql`` is a subquery of product ids (the shopper's filters);
    ``candidate_ids`` a list from an ANN pass.
    """
    select, params, from_clause, group_by = _score_sql(query)
    where = ["p.embedding_model = %s", "p.embedding IS NOT NULL"]
    where_params: list[object] = [model_id]
    if allowed_sql is not None:
        where.append(f"p.id IN ({allowed_sql})")
        where_params.extend(allowed_params)
    if candidate_ids is not None:
        where.append("p.id = ANY(%s)")
        where_params.append(list(candidate_ids))
    sql = (
        f"SELECT p.id, {select} AS score FROM {from_clause} "
        f"WHERE {' AND '.join(where)} {group_by} ORDER BY score DESC, p.id LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *where_params, limit])
        return [(row[0], float(row[1])) for row in cursor.fetchall()]


def ann_candidates(query: VectorQuery, *, model_id: str) -> list[int]:
    """Product ids likely to be in the top results, from the HNSW indexes."""
    ids: dict[int, None] = {}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL hnsw.ef_search = %s", [ANN_QUERY_ROWS])
        cursor.execute("SET LOCAL hnsw.iterative_scan = relaxed_order")
        if query.text is not None:
            cursor.execute(
                "SELECT qe.product_id FROM catalog_productqueryembedding qe "
                "JOIN catalog_product p ON p.id = qe.product_id AND p.embedding_model = %s "
                "ORDER BY qe.embedding <=> %s::vector LIMIT %s",
                [model_id, vector_literal(query.text), ANN_QUERY_ROWS],
            )
            ids.update((row[0], None) for row in cursor.fetchall())
        if query.image is not None:
            cursor.execute(
                "SELECT p.id FROM catalog_product p WHERE p.embedding_model = %s "
                "ORDER BY p.embedding <=> %s::vector LIMIT %s",
                [model_id, vector_literal(query.image), ANN_PRODUCT_ROWS],
            )
            ids.update((row[0], None) for row in cursor.fetchall())
    return list(ids)


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
