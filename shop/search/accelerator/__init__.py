"""Exact text search outside PostgreSQL's executor: a derived, memory-mapped index.

PostgreSQL scores 0.3-0.6 µs a query vector whatever their encoding, so text over a
big filter (226k vectors for Tshirts at 44k products) cannot be fast inside it. A
build (``build.accelerator_build``, a task on the task engine) copies the query
vectors into files under SHOP_DATA_DIR: FAISS scans them as int8 (inverted lists
per article type), an int16 copy narrows the candidates, and PostgreSQL scores the
last handful exactly; see ``scoring`` and ``ranking`` for why the answer is the
database's exact top k. PostgreSQL stays the source of truth: products embedded
since the build are merged in, and no build, a damaged one or another model's means
PostgreSQL answers alone (logged), never an error. ``SHOP_SEARCH_ACCELERATOR=false``
switches it off.
"""

from __future__ import annotations

from django.conf import settings

from shop.search.accelerator.ranking import Accelerator


def accelerator_for(model_id: str) -> Accelerator | None:
    """The scorer for searches with this model's embeddings, or None (switched off, no
    usable build for this model)."""
    if not settings.SHOP_SEARCH_ACCELERATOR:
        return None
    from shop.search.accelerator.store import mapped_build

    build = mapped_build(model_id)
    if build is None:
        return None
    return Accelerator(
        build=build,
        min_products=settings.SHOP_SEARCH_ACCELERATOR_MIN_PRODUCTS,
        max_stale=settings.SHOP_SEARCH_ACCELERATOR_MAX_STALE,
    )
