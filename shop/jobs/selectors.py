"""Reads of the jobs app: embedding progress and job states."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, Max, Min, Q, Sum

from shop.jobs.models import EmbeddingRun, EmbeddingShard


@dataclass(frozen=True)
class EmbeddingProgress:
    runs: int
    total: int
    done: int
    skipped: int
    shards: int
    shards_done: int
    shards_leased: int
    shards_failed: int
    images_per_second: float
    workers: int

    @property
    def remaining(self) -> int:
        return max(self.total - self.done - self.skipped, 0)

    @property
    def eta(self) -> timedelta | None:
        if not self.remaining:
            return timedelta(0)
        if not self.images_per_second:
            return None
        return timedelta(seconds=round(self.remaining / self.images_per_second))

    def lines(self) -> list[str]:
        eta = self.eta
        return [
            f"Runs: {self.runs}  Done: {self.done}/{self.total}  Skipped: {self.skipped}  "
            f"Shards: {self.shards_done}/{self.shards} done, {self.shards_leased} leased, "
            f"{self.shards_failed} failed",
            f"Images/s: {self.images_per_second:.1f} (all workers, {self.workers} leasing now)  "
            f"ETA: {'unknown' if eta is None else eta}",
        ]


def embedding_progress(*, runs: list[EmbeddingRun] | None = None) -> EmbeddingProgress:
    """Progress over the given runs, or every run with unfinished shards (else the latest).

    Images/s is the whole fleet's rate: products embedded divided by the wall time
    from the first shard's lease to the latest batch committed.
    """
    if runs is None:
        open_runs = EmbeddingRun.objects.filter(
            shards__status__in=[EmbeddingShard.Status.QUEUED, EmbeddingShard.Status.LEASED]
        ).distinct()
        runs = list(open_runs) or list(EmbeddingRun.objects.filter(total__gt=0)[:1])
    ids = [run.pk for run in runs]
    Status = EmbeddingShard.Status
    shards = EmbeddingShard.objects.filter(run_id__in=ids).aggregate(
        n=Count("id"),
        done=Count("id", filter=Q(status=Status.DONE)),
        leased=Count("id", filter=Q(status=Status.LEASED)),
        failed=Count("id", filter=Q(status=Status.FAILED)),
        embedded=Sum("embedded", default=0),
        skipped=Sum("skipped", default=0),
        first=Min("leased_at"),
        last=Max("progress_at"),
        workers=Count("leased_by", distinct=True, filter=Q(status=Status.LEASED)),
    )
    elapsed = (
        (shards["last"] - shards["first"]).total_seconds()
        if shards["first"] and shards["last"]
        else 0.0
    )
    return EmbeddingProgress(
        runs=len(ids),
        total=sum(run.total for run in runs),
        done=shards["embedded"],
        skipped=shards["skipped"],
        shards=shards["n"],
        shards_done=shards["done"],
        shards_leased=shards["leased"],
        shards_failed=shards["failed"],
        images_per_second=shards["embedded"] / elapsed if elapsed > 0 else 0.0,
        workers=shards["workers"],
    )
