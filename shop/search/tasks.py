"""The catalog's periodic tasks (procrastinate); each is idempotent."""

from __future__ import annotations

from procrastinate.contrib.django import app


@app.periodic(cron="41 3 * * *")
@app.task(queue="default", queueing_lock="search_log_rollup")
def search_log_rollup(timestamp: int) -> str:
    """Raw search rows older than SHOP_SEARCH_LOG_KEEP_DAYS become daily figures."""
    from shop.search.rollup import search_log_rollup as rollup

    return "\n".join(rollup().lines())
