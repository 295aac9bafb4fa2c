"""The build as the vector ranking's scorer, kept equal to the database as it is now.

The build proposes candidates and a bound (``scoring``); PostgreSQL scores them
exactly together with every product embedded again since the build (their query
vectors have row ids above its stamp) and, unfiltered, keeps only the products a
shopper may get. The answer is PostgreSQL's own exact top k once its k-th score
reaches the bound; otherwise more candidates are asked for. A build that cannot
answer (too far behind, broken) gives None and the caller scores in PostgreSQL.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
from django.db import DatabaseError, connections, router
from django.db.models import QuerySet

from shop.search.accelerator import scoring
from shop.search.accelerator.store import SEQUENCE_LAST, SLOTS, Mapped
from shop.search.models import ProductQueryEmbedding
from shop.search.vector_search import VectorQuery, exact_scores

logger = logging.getLogger(__name__)

# PostgreSQL's float4 arithmetic and ours differ by far less than this.
SCORE_SLACK = 1e-5


@dataclass(frozen=True)
class Accelerator:
    """One mapped build, with the shop's settings for using it."""

    build: Mapped
    min_products: int  # smaller filters: PostgreSQL's exact scan is as fast
    max_stale: int  # products embedded since the build that PostgreSQL may merge in

    def rank(
        self,
        query: VectorQuery,
        *,
        valid: QuerySet,
        allowed_ids: list[int] | None,
        limit: int,
    ) -> list[tuple[int, float]] | None:
        """The exact top ``limit`` (product id, score) of ``vector_search.rank``, or None
        when PostgreSQL should answer alone."""
        stale = self._stale_ids()
        if stale is None:
            return None
        build = self.build
        try:
            if allowed_ids is None:
                # Every held product but the stale ones, whose vectors changed.
                stale_rows, _missing = build.rows_of(stale)
                rows = None
                if len(stale_rows):
                    rows = np.setdiff1d(np.arange(build.meta.products), stale_rows)
                extra = stale
            else:
                allowed = np.asarray(allowed_ids, dtype=np.int64)  # ids: unique
                changed = np.isin(allowed, stale) if len(stale) else np.zeros(len(allowed), bool)
                rows, missing = build.rows_of(allowed[~changed])
                rows.sort()
                # Not in the build (added since, in theory always stale too): exact.
                extra = np.concatenate([allowed[changed], missing])
            need = limit
            while True:
                found = scoring.candidates(
                    build,
                    text=query.text,
                    image=query.image,
                    weights=query.weights,
                    rows=rows,
                    need=need,
                )
                ids = np.union1d(found.ids, extra).tolist()
                if allowed_ids is None:
                    ids = list(valid.filter(id__any=ids).values_list("id", flat=True))
                ranked = exact_scores(query, product_ids=ids, limit=limit)
                if found.complete or (
                    len(ranked) == limit and ranked[-1][1] >= found.bound + SCORE_SLACK
                ):
                    return ranked
                if need >= build.meta.products:
                    return None
                need *= 4
        except DatabaseError:
            raise  # PostgreSQL's own failure: its paths would fail the same way
        except Exception:  # a damaged file: never a failed search
            logger.exception("search accelerator failed on %s; PostgreSQL scores", build.folder)
            return None

    def _stale_ids(self) -> np.ndarray | None:
        """Products with query vectors newer than the build; None if more than
        ``max_stale`` may be (the build is too far behind to help)."""
        table = ProductQueryEmbedding._meta.db_table
        last = self.build.meta.last_row_id
        database = router.db_for_read(ProductQueryEmbedding)
        with connections[database].cursor() as cursor:
            # Row ids come from a sequence, so its value bounds the newer rows.
            cursor.execute(
                f"SELECT newest, CASE WHEN newest - %s BETWEEN 0 AND %s THEN (SELECT "
                f"coalesce(array_agg(DISTINCT product_id), '{{}}') FROM {table} WHERE id > %s) "
                f"END FROM (SELECT {SEQUENCE_LAST} AS newest) n",
                [last, self.max_stale * SLOTS, last, table],
            )
            newest, ids = cursor.fetchone()
        if ids is None:
            # Behind the build (a replica catching up, a restored database) or too far
            # ahead of it.
            logger.info(
                "search accelerator: the database's query vectors are at %s, its build at "
                "%s; PostgreSQL scores",
                newest,
                last,
            )
            return None
        return np.asarray(ids, dtype=np.int64)
