"""The catalog's periodic tasks (procrastinate); each is idempotent."""

from __future__ import annotations

from procrastinate.contrib.django import app


@app.periodic(cron="41 3 * * *")
@app.task(queue="default", queueing_lock="search_log_rollup")
def search_log_rollup(timestamp: int) -> str:
    """Raw search rows older than SHOP_SEARCH_LOG_KEEP_DAYS become daily figures."""
    from shop.search.rollup import search_log_rollup as rollup

    return "\n".join(rollup().lines())


@app.periodic(cron="*/10 * * * *")
@app.task(queue="default", queueing_lock="search_accelerator_build")
def search_accelerator_build(timestamp: int) -> str:
    """The search accelerator's files rebuilt from the database, if anything changed
    (embeddings, products gone, article types); deferred after imports and embeddings
    too (shop.search.accelerator.build.accelerator_build_queue)."""
    from django.conf import settings

    from shop.search.accelerator.build import accelerator_build
    from shop.search.encoder.config import current_model_id

    if not settings.SHOP_SEARCH_ACCELERATOR:
        return "search accelerator switched off (SHOP_SEARCH_ACCELERATOR)"
    return "\n".join(accelerator_build(model_id=current_model_id(), if_changed=True).lines())
