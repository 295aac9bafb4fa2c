"""`embed_catalog --enqueue` shared by several real worker processes.

Every product must end with exactly its 32 query vectors, embedded once: the shards'
committed counts add up to the catalog, including when a worker is killed mid-shard
and the shard's job is retried by another worker after the lease runs out.
"""

from __future__ import annotations

import signal
import time
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db.models import Count, Sum
from procrastinate.contrib.django.models import ProcrastinateJob

from conftest import catalog_load
from shop.catalog.models import Product
from shop.jobs.engine import jobs_retry_stalled
from shop.jobs.models import EmbeddingShard
from shop.jobs.tests.conftest import run_worker, worker_env, worker_process
from shop.search.models import ProductQueryEmbedding

LEASE_S = 3


def _unembedded_catalog(catalog_subset: Path) -> int:
    catalog_load(catalog_subset, embed=False)
    ProductQueryEmbedding.objects.all().delete()
    Product.objects.update(embedding=None, embedding_model="", embedded_at=None)
    return Product.objects.count()


def _enqueue(shard_size: int) -> str:
    out = StringIO()
    call_command("embed_catalog", "--enqueue", "--shard-size", str(shard_size), stdout=out)
    return out.getvalue()


def _assert_each_product_embedded_exactly_once(total: int, logs: str = "") -> None:
    counts = ProductQueryEmbedding.objects.values("product_id").annotate(n=Count("id"))
    assert len(counts) == total, f"a product is missing its vectors; the workers said:\n{logs}"
    assert {row["n"] for row in counts} == {32}
    assert ProductQueryEmbedding.objects.count() == 32 * total
    assert Product.objects.filter(embedding__isnull=True).count() == 0
    shards = EmbeddingShard.objects.all()
    assert set(shards.values_list("status", flat=True)) == {EmbeddingShard.Status.DONE}
    # Each committed embedding is counted once by the shard that wrote it.
    assert shards.aggregate(n=Sum("embedded"))["n"] == total


def _finish(process, timeout: float = 240) -> str:
    output, _ = process.communicate(timeout=timeout)
    text = output.decode(errors="replace")
    assert process.returncode == 0, text
    return text


def test_two_workers_share_the_shards_and_embed_every_product_once(
    empty_queues, catalog_subset: Path
) -> None:
    total = _unembedded_catalog(catalog_subset)
    assert f"Queued {total} products in {total // 5} shards" in _enqueue(5)
    # A second enqueue while the first is queued finds nothing new to queue.
    assert "Queued 0 products in 0 shards" in _enqueue(5)

    env = worker_env(SHOP_EMBEDDING_BATCH_SIZE="4")
    workers = [worker_process("--queues", "embedding", "--one-shot", env=env) for _ in range(2)]
    logs = "\n".join(_finish(process) for process in workers)

    _assert_each_product_embedded_exactly_once(total, logs)
    assert EmbeddingShard.objects.values("leased_by").distinct().count() == 2
    out = StringIO()
    call_command("embed_catalog", "--status", stdout=out)
    assert f"Done: {total}/{total}" in out.getvalue()
    assert "ETA: 0:00:00" in out.getvalue()


def _mid_shard(process) -> EmbeddingShard | None:
    """Freeze the worker; a shard it holds with some batches committed, or None."""
    process.send_signal(signal.SIGSTOP)
    shard = (
        EmbeddingShard.objects.filter(status=EmbeddingShard.Status.LEASED, embedded__gt=0)
        .filter(leased_by__endswith=f":{process.pid}")
        .first()
    )
    if shard is None or shard.embedded >= len(shard.product_ids):
        process.send_signal(signal.SIGCONT)
        return None
    return shard


def test_a_worker_killed_mid_shard_loses_nothing_and_its_shard_is_taken_over(
    empty_queues, catalog_subset: Path
) -> None:
    total = _unembedded_catalog(catalog_subset)
    _enqueue(20)
    env = worker_env(SHOP_EMBEDDING_BATCH_SIZE="4", SHOP_EMBEDDING_LEASE_S=str(LEASE_S))
    doomed = worker_process("--queues", "embedding", "--one-shot", env=env)
    survivor = worker_process("--queues", "embedding", "--one-shot", env=env)
    deadline = time.monotonic() + 180
    try:
        while (shard := _mid_shard(doomed)) is None:
            assert doomed.poll() is None, doomed.stdout.read().decode()
            assert time.monotonic() < deadline, "the worker never got mid-shard"
            time.sleep(0.05)
        doomed.send_signal(signal.SIGKILL)
    finally:
        doomed.wait(timeout=30)
    done_when_killed = shard.embedded
    assert 0 < done_when_killed < len(shard.product_ids)
    _finish(survivor)

    # The killed worker's job is still "running"; its shard half done and leased.
    shard.refresh_from_db()
    assert shard.status == EmbeddingShard.Status.LEASED
    assert shard.embedded == done_when_killed
    assert ProcrastinateJob.objects.get(pk=shard.job_id).status == "doing"

    # What the periodic retry_stalled_jobs task does once the heartbeat is old.
    time.sleep(1.5)
    assert jobs_retry_stalled(seconds_since_heartbeat=1) == [shard.job_id]
    time.sleep(max(0.0, (shard.lease_expires_at - _now()).total_seconds()) + 0.5)
    run_worker("embedding")

    shard.refresh_from_db()
    assert shard.attempts == 2 and shard.status == EmbeddingShard.Status.DONE
    assert ProcrastinateJob.objects.get(pk=shard.job_id).status == "succeeded"
    _assert_each_product_embedded_exactly_once(total)


def _now():
    from django.utils import timezone

    return timezone.now()


@pytest.mark.django_db
def test_a_shard_leased_by_a_live_worker_is_not_taken_over() -> None:
    from shop.jobs.embedding import ShardBusy, _lease
    from shop.jobs.models import EmbeddingRun

    run = EmbeddingRun.objects.create(model_id="m", shard_size=2, total=2)
    product_ids = list(Product.objects.values_list("id", flat=True)[:2])
    shard = EmbeddingShard.objects.create(run=run, number=1, product_ids=product_ids)
    _, token = _lease(shard.pk)
    assert token is not None
    with pytest.raises(ShardBusy, match="is leased by"):
        _lease(shard.pk)
