"""The shop's background tasks (procrastinate). Each is idempotent: running one
twice changes nothing, so retries and stalled-job recovery are always safe.

Queues: `default` (imports, e-mails, housekeeping) and `embedding` (shards, which
want GPU workers: `SHOP_EMBEDDING_DEVICE=cuda manage.py procrastinate worker
--queues embedding`). A worker started without `--queues` takes both.
"""

from __future__ import annotations

import os

from django.db import InterfaceError, OperationalError
from procrastinate import JobContext, RetryStrategy
from procrastinate.contrib.django import app

from shop.jobs.embedding import EMBEDDING_QUEUE, ShardBusy, ShardSummary
from shop.jobs.engine import stalled_jobs_retry

# Transient: the database restarting or failing over, a connection dropped.
TRANSIENT = {OperationalError, InterfaceError}
STALLED_AFTER_S = 60


@app.task(
    queue=EMBEDDING_QUEUE,
    # A busy shard waits 2, 4, 8, ... s: past a dead worker's lease (5 min) within
    # 9 attempts.
    retry=RetryStrategy(
        max_attempts=12, exponential_wait=2, retry_exceptions={ShardBusy, *TRANSIENT}
    ),
)
def embed_shard(shard_id: int) -> ShardSummary:
    from django.conf import settings

    from shop.jobs.embedding import embedding_shard_run
    from shop.search.encoder import get_encoder

    # On a CPU the model wants every core; on a GPU decoding processes keep it fed.
    workers = 0 if get_encoder().device == "cpu" else min(8, os.cpu_count() or 1)
    summary = embedding_shard_run(
        shard_id=shard_id, workers=workers, batch_size=settings.SHOP_EMBEDDING_BATCH_SIZE
    )
    if summary.embedded:
        _search_accelerator_refresh()
    return summary


@app.task(
    queue="default",
    retry=RetryStrategy(max_attempts=5, exponential_wait=2, retry_exceptions=TRANSIENT),
)
def import_catalog(import_id: int) -> str:
    from shop.jobs.imports import catalog_import_run

    lines = catalog_import_run(import_id=import_id).lines()
    _search_accelerator_refresh()  # types and products may have changed
    return "\n".join(lines)


def _search_accelerator_refresh() -> None:
    """A build of the search accelerator, a minute from now (one for a burst)."""
    from django.conf import settings

    from shop.search.accelerator.build import accelerator_build_queue

    if settings.SHOP_SEARCH_ACCELERATOR:
        accelerator_build_queue()


@app.task(queue="default", retry=RetryStrategy(max_attempts=8, exponential_wait=3))
def send_email(key: str, to: list[str], subject: str, body: str) -> str:
    """Generic, idempotent e-mail: queue it with shop.jobs.services.email_queue."""
    from shop.jobs.services import email_send

    sent = email_send(key=key, to=to, subject=subject, body=body)
    return f"sent to {', '.join(to)}" if sent else f"already sent ({key})"


@app.periodic(cron="17 3 * * *")
@app.task(queue="default", queueing_lock="housekeeping")
def housekeeping(timestamp: int) -> str:
    from shop.jobs.services import housekeeping_run

    return "\n".join(housekeeping_run().lines())


@app.periodic(cron="25 3 * * *")
@app.task(queue="default", queueing_lock="remove_old_jobs", pass_context=True)
async def remove_old_jobs(context: JobContext, timestamp: int) -> str:
    await context.app.job_manager.delete_old_jobs(nb_hours=24 * 30, include_cancelled=True)
    return "removed finished jobs older than 30 days (failed ones are kept)"


@app.periodic(cron="*/5 * * * *")
@app.task(queue="default", queueing_lock="retry_stalled_jobs", pass_context=True)
async def retry_stalled_jobs(context: JobContext, timestamp: int) -> str:
    """Shard jobs put back in the queue take their shard over once its lease has run out."""
    retried = await stalled_jobs_retry(
        context.app.job_manager, seconds_since_heartbeat=STALLED_AFTER_S
    )
    return f"retried {len(retried)} stalled jobs"
