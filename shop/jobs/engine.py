"""The task engine: procrastinate on the shop's PostgreSQL.

procrastinate's Django app (`procrastinate.contrib.django`) owns the connection, the
schema (Django migrations), the worker (`manage.py procrastinate worker`) and a
read-only job admin. This module adds what the shop needs on top: every job's
outcome (the summary it returned or the error it failed with) is recorded, so the
admin shows why a job failed, not only that it did.
"""

from __future__ import annotations

import logging
import traceback
from typing import TYPE_CHECKING, Any

from asgiref.sync import async_to_sync, sync_to_async

if TYPE_CHECKING:
    from procrastinate import App, JobContext, Worker
    from procrastinate.jobs import Job
    from procrastinate.manager import JobManager

logger = logging.getLogger(__name__)

# What the admin calls procrastinate's statuses.
STATE_NAMES = {
    "todo": "queued",
    "doing": "running",
    "succeeded": "done",
    "failed": "failed",
    "cancelled": "cancelled",
    "aborting": "cancelled",
    "aborted": "cancelled",
}


def on_app_ready(app: App) -> None:
    middleware = list(app.worker_defaults.get("task_middleware") or [])
    app.worker_defaults["task_middleware"] = [*middleware, record_outcome, record_outcome_async]


def _summary_text(result: object) -> str:
    lines = getattr(result, "lines", None)
    if callable(lines):
        return "\n".join(lines())
    return "" if result is None else str(result)


def _outcome_started(job: Job) -> None:
    from django.utils import timezone

    from shop.jobs.models import JobOutcome

    JobOutcome.objects.update_or_create(
        job_id=job.id,
        defaults={
            "task_name": job.task_name,
            "attempt": job.attempts + 1,
            "succeeded": None,
            "summary": "",
            "error": "",
            "started_at": timezone.now(),
            "finished_at": None,
        },
    )


def _outcome_finished(job: Job, *, result: object = None, error: BaseException | None = None):
    from django.utils import timezone

    from shop.jobs.models import JobOutcome

    if error is None:
        fields = {"succeeded": True, "summary": _summary_text(result)}
    else:
        fields = {
            "succeeded": False,
            "error": f"{type(error).__name__}: {error}\n\n"
            + "".join(traceback.format_exception(error, limit=-3)),
        }
    JobOutcome.objects.filter(job_id=job.id).update(finished_at=timezone.now(), **fields)


def record_outcome(call_next: Any, context: JobContext, worker: Worker) -> Any:
    """Sync task middleware: write the job's outcome (summary or error) beside it."""
    _outcome_started(context.job)
    try:
        result = call_next()
    except BaseException as error:
        _outcome_finished(context.job, error=error)
        raise
    _outcome_finished(context.job, result=result)
    return result


async def record_outcome_async(call_next: Any, context: JobContext, worker: Worker) -> Any:
    """The same for async tasks (the periodic engine chores)."""
    await sync_to_async(_outcome_started)(context.job)
    try:
        result = await call_next()
    except BaseException as error:
        await sync_to_async(_outcome_finished)(context.job, error=error)
        raise
    await sync_to_async(_outcome_finished)(context.job, result=result)
    return result


async def stalled_jobs_retry(manager: JobManager, *, seconds_since_heartbeat: float) -> list[int]:
    """Put back in the queue the jobs of workers that stopped sending heartbeats.

    A worker killed mid-job (OOM, a lost host) leaves its job "running" forever;
    procrastinate's recipe is to retry them from a periodic task.
    """
    jobs = await manager.get_stalled_jobs(seconds_since_heartbeat=seconds_since_heartbeat)
    for job in jobs:
        logger.warning("retrying stalled job %s (%s)", job.id, job.task_name)
        await manager.retry_job(job)
    return [job.id for job in jobs]


def jobs_retry_stalled(*, seconds_since_heartbeat: float = 60) -> list[int]:
    """`stalled_jobs_retry` for synchronous callers."""
    from procrastinate.contrib.django import app

    return async_to_sync(stalled_jobs_retry)(
        app.job_manager, seconds_since_heartbeat=seconds_since_heartbeat
    )
