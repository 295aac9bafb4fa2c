"""Embedding spread over workers: a run's products split into leased shards.

`embedding_enqueue` splits the products needing embedding into shards and queues
one `embed_shard` job per shard on the `embedding` queue; any number of workers on
any number of hosts take them. A product is in at most one open shard (enqueueing
skips products already queued), a shard is leased by one worker at a time, and a
worker that dies leaves a lease that runs out: the retried job takes it over and
embeds what is still missing, so nothing is lost and nothing is written twice.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from shop.catalog.models import Product
from shop.jobs.models import EmbeddingRun, EmbeddingShard
from shop.search.selectors import ProductFilters

logger = logging.getLogger(__name__)

EMBEDDING_QUEUE = "embedding"
# The task that runs one shard (shop/jobs/tasks.py), deferred by name.
EMBED_SHARD = "shop.jobs.tasks.embed_shard"
# Serialises enqueueing, so two `--enqueue` runs cannot put a product in two shards.
_ENQUEUE_LOCK = 0x5E_4B_ED


class ShardBusy(Exception):
    """Another worker holds the shard's lease; the job retries later."""


class LeaseLost(Exception):
    """This worker's lease ran out and another worker took the shard over."""


class ModelMismatch(Exception):
    """The worker's model is not the run's: it must not mix embeddings."""


def _needing(queryset: QuerySet[Product], *, model_id: str, force_before: datetime | None):
    stale = ~Q(embedding_model=model_id) | Q(embedding__isnull=True)
    if force_before is not None:
        stale |= Q(embedded_at__lt=force_before)
    return queryset.filter(stale)


def embedding_enqueue(
    *,
    model_id: str,
    shard_size: int = 256,
    product_ids: Iterable[int] | None = None,
    categories: Iterable[str] = (),
    force: bool = False,
    requested_by: str = "",
) -> EmbeddingRun:
    """Split the products that need embedding into shards, one `embed_shard` job each.

    With `force` (the admin's re-embed) the selected products are re-embedded even if
    they are current. Products already in a queued or leased shard are left to it.
    """
    from procrastinate.contrib.django import app

    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_ENQUEUE_LOCK])
            cursor.execute(
                "SELECT DISTINCT unnest(product_ids) FROM jobs_embeddingshard "
                "WHERE status IN (%s, %s)",
                [EmbeddingShard.Status.QUEUED, EmbeddingShard.Status.LEASED],
            )
            queued = {row[0] for row in cursor.fetchall()}
        now = timezone.now()
        force_before = now if force else None
        queryset = ProductFilters(category=tuple(categories)).apply(Product.objects.all())
        if product_ids is not None:
            queryset = queryset.filter(id__in=list(product_ids))
        ids = [
            pk
            for pk in _needing(queryset, model_id=model_id, force_before=force_before)
            .order_by("id")
            .values_list("id", flat=True)
            if pk not in queued
        ]
        run = EmbeddingRun.objects.create(
            model_id=model_id,
            force_before=force_before,
            total=len(ids),
            shard_size=shard_size,
            requested_by=requested_by,
        )
        shards = EmbeddingShard.objects.bulk_create(
            EmbeddingShard(run=run, number=n, product_ids=ids[start : start + shard_size])
            for n, start in enumerate(range(0, len(ids), shard_size), start=1)
        )
        # Queued in the same transaction: no shard without its job, no job without
        # its shard.
        # By name: the task module imports this one, never the other way round.
        embed_shard = app.configure_task(EMBED_SHARD, allow_unknown=False)
        job_ids = embed_shard.batch_defer(*({"shard_id": shard.pk} for shard in shards))
        for shard, job_id in zip(shards, job_ids, strict=True):
            shard.job_id = job_id
        EmbeddingShard.objects.bulk_update(shards, ["job_id"])
    return run


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _lease(shard_id: int) -> tuple[EmbeddingShard, uuid.UUID] | tuple[EmbeddingShard, None]:
    """Take the shard's lease, or raise ShardBusy while another worker's is live."""
    with transaction.atomic():
        # of=self: lock the shard's row only. Without it the joined run row (shared by
        # every shard of the run) is locked too, so a worker leasing another shard at
        # the same moment made this one look busy, and its job waited for a retry.
        shard = (
            EmbeddingShard.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("run")
            .filter(pk=shard_id)
            .first()
        )
        if shard is None:
            if EmbeddingShard.objects.filter(pk=shard_id).exists():
                raise ShardBusy(f"shard {shard_id} is being leased by another worker")
            raise EmbeddingShard.DoesNotExist(f"shard {shard_id} no longer exists")
        if shard.status == EmbeddingShard.Status.DONE:
            return shard, None
        now = timezone.now()
        if shard.status == EmbeddingShard.Status.LEASED and shard.lease_expires_at > now:
            raise ShardBusy(
                f"shard {shard_id} is leased by {shard.leased_by} until "
                f"{shard.lease_expires_at:%H:%M:%S}"
            )
        if shard.status == EmbeddingShard.Status.LEASED:
            logger.warning(
                "taking over shard %s from %s (lease ran out)", shard_id, shard.leased_by
            )
        token = uuid.uuid4()
        shard.status = EmbeddingShard.Status.LEASED
        shard.lease_token = token
        shard.leased_by = worker_name()
        shard.lease_expires_at = now + timedelta(seconds=settings.SHOP_EMBEDDING_LEASE_S)
        shard.attempts += 1
        shard.leased_at = shard.leased_at or now
        shard.error = ""
        shard.save()
    return shard, token


def _renew(shard: EmbeddingShard, token: uuid.UUID) -> None:
    """Extend the lease; the UPDATE locks the shard's row until the caller's
    transaction ends, so a takeover (which skips locked rows) cannot happen meanwhile."""
    mine = EmbeddingShard.objects.filter(
        pk=shard.pk, lease_token=token, status=EmbeddingShard.Status.LEASED
    )
    renewed = mine.update(
        lease_expires_at=timezone.now() + timedelta(seconds=settings.SHOP_EMBEDDING_LEASE_S)
    )
    if not renewed:
        raise LeaseLost(f"shard {shard.pk}: lease lost to another worker")


@dataclass
class ShardSummary:
    shard: int
    embedded: int = 0
    skipped: int = 0
    seconds: float = 0.0
    already_done: bool = False

    def lines(self) -> list[str]:
        if self.already_done:
            return [f"Shard {self.shard}: already done"]
        return [
            f"Shard {self.shard}: embedded {self.embedded}, skipped {self.skipped}, "
            f"{self.seconds:.1f} s"
        ]


def embedding_shard_run(*, shard_id: int, workers: int = 0, batch_size: int = 32) -> ShardSummary:
    """Embed what a shard still needs, under its lease; safe to run again at any point.

    Products are embedded `batch_size` at a time with the catalog's own embedder;
    each batch renews (and checks) the lease and commits on its own: a worker whose
    lease was taken over stops.
    """
    from django.db.models import F

    from shop.search.embedding import catalog_embed
    from shop.search.encoder import get_encoder

    shard, token = _lease(shard_id)
    summary = ShardSummary(shard=shard_id)
    if token is None:
        summary.already_done = True
        return summary
    encoder = get_encoder()
    run = shard.run
    if encoder.model_id != run.model_id:
        EmbeddingShard.objects.filter(pk=shard.pk, lease_token=token).update(
            status=EmbeddingShard.Status.FAILED,
            error=f"worker model {encoder.model_id} is not the run's {run.model_id}",
        )
        raise ModelMismatch(f"worker model {encoder.model_id} is not the run's {run.model_id}")
    todo = list(
        _needing(
            Product.objects.filter(id__in=shard.product_ids),
            model_id=run.model_id,
            force_before=run.force_before,
        )
        .order_by("id")
        .values_list("id", flat=True)
    )
    for start in range(0, len(todo), batch_size):
        # The batch, its progress and the lease check commit together while the
        # shard's row is locked: nobody can take the shard over mid-batch, and a
        # worker killed mid-batch leaves nothing of it behind (the transaction dies
        # with its connection).
        started = time.monotonic()
        with transaction.atomic():
            _renew(shard, token)
            result = catalog_embed(
                encoder=encoder,
                product_ids=todo[start : start + batch_size],
                force=True,
                workers=workers,
                batch_size=batch_size,
            )
            seconds = time.monotonic() - started
            skipped = sum(result.skipped.values())
            EmbeddingShard.objects.filter(pk=shard.pk).update(
                embedded=F("embedded") + result.embedded,
                skipped=F("skipped") + skipped,
                seconds=F("seconds") + seconds,
                progress_at=timezone.now(),
            )
        summary.embedded += result.embedded
        summary.skipped += skipped
        summary.seconds += seconds
    done = EmbeddingShard.objects.filter(pk=shard.pk, lease_token=token).update(
        status=EmbeddingShard.Status.DONE,
        lease_token=None,
        lease_expires_at=None,
        finished_at=timezone.now(),
    )
    if not done:
        raise LeaseLost(f"shard {shard.pk}: lease lost to another worker")
    return summary
