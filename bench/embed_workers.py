"""Embedding spread over task workers: images/s with 1 and 2 workers, worker memory,
and what a job costs the database (queries per job).

    SHOP_EMBEDDING_MODEL=dev-tiny .venv/bin/python bench/embed_workers.py [--products 300]

Uses its own database (SHOP_DB_NAME, default bench_jobs) on the embedded server, so
the development catalog is left alone. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")
# Settings default to production (DEBUG off); benchmarks run as `make run` does.
os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("SHOP_DB_NAME", "bench_jobs")
os.environ.setdefault("SHOP_EMBEDDING_MODEL", "dev-tiny")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.backends.signals import connection_created  # noqa: E402

from shop.catalog.importers import catalog_import  # noqa: E402
from shop.catalog.models import Product  # noqa: E402
from shop.jobs.embedding import embedding_enqueue  # noqa: E402
from shop.jobs.models import EmbeddingRun  # noqa: E402
from shop.jobs.selectors import embedding_progress  # noqa: E402
from shop.search.embedding import catalog_embed  # noqa: E402
from shop.search.encoder import current_model_id, get_encoder  # noqa: E402
from shop.search.models import ProductQueryEmbedding  # noqa: E402


def reset() -> None:
    ProductQueryEmbedding.objects.all().delete()
    Product.objects.update(embedding=None, embedding_model="", embedded_at=None)
    EmbeddingRun.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE procrastinate_jobs, procrastinate_events, procrastinate_periodic_defers,"
            " procrastinate_workers CASCADE"
        )


def peak_rss_mb(pid: int, peaks: dict[int, float], stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except FileNotFoundError:
            return
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                peaks[pid] = int(line.split()[1]) / 1024
        time.sleep(0.2)


def run_workers(n: int, *, shard_size: int, batch_size: int) -> None:
    reset()
    run = embedding_enqueue(model_id=current_model_id(), shard_size=shard_size)
    env = {**os.environ, "SHOP_EMBEDDING_BATCH_SIZE": str(batch_size)}
    command = [sys.executable, "manage.py", "procrastinate", "worker"]
    started = time.monotonic()
    workers = [
        subprocess.Popen(
            [*command, "--queues", "embedding", "--one-shot"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(n)
    ]
    peaks: dict[int, float] = {}
    stop = threading.Event()
    watchers = [
        threading.Thread(target=peak_rss_mb, args=(w.pid, peaks, stop), daemon=True)
        for w in workers
    ]
    for watcher in watchers:
        watcher.start()
    for worker in workers:
        worker.wait()
    wall = time.monotonic() - started
    stop.set()
    progress = embedding_progress(runs=[run])
    assert progress.done == run.total, progress.lines()
    memory = ", ".join(f"{mb:.0f}" for mb in peaks.values())
    print(
        f"{n} worker(s): {run.total} photos, {progress.images_per_second:.1f} images/s "
        f"(first lease to last batch), {wall:.1f} s wall with start-up; peak RSS MB: {memory}"
    )


class Counter:
    def __init__(self) -> None:
        self.n = 0
        self.lock = threading.Lock()

    def __call__(self, execute, sql, params, many, context):  # noqa: ANN001, ANN204
        with self.lock:
            self.n += 1
        return execute(sql, params, many, context)


def queries_per_job(jobs: int) -> None:
    """Statements per job: procrastinate's own (defer, fetch, finish) and the task's."""
    from procrastinate.contrib.django import app

    from shop.jobs.services import email_queue

    reset()
    django_queries = Counter()

    def count_on(sender: object, connection: object, **kwargs: object) -> None:
        # Fired on every reconnect of a thread's wrapper: count once per wrapper.
        if django_queries not in connection.execute_wrappers:
            connection.execute_wrappers.append(django_queries)

    connection_created.connect(count_on, weak=False)
    connection.close()
    for n in range(jobs):
        email_queue(key=f"bench:{n}:{time.time()}", to=["a@example.com"], subject="s", body="b")
    deferred = django_queries.n
    engine_queries = 0
    worker_connector = app.connector.get_worker_connector()
    for name in ("execute_query_async", "execute_query_one_async", "execute_query_all_async"):
        original = getattr(worker_connector, name)

        async def counted(*args, _original=original, **kwargs):  # noqa: ANN002, ANN003, ANN202
            nonlocal engine_queries
            engine_queries += 1
            return await _original(*args, **kwargs)

        setattr(worker_connector, name, counted)
    before = django_queries.n
    with app.replace_connector(worker_connector):
        app.run_worker(
            queues=["default"], wait=False, install_signal_handlers=False, listen_notify=False
        )
    print(
        f"queries per e-mail job: defer {deferred / jobs:.1f} (Django), worker "
        f"{engine_queries / jobs:.1f} (procrastinate: fetch, finish, heartbeats), task and "
        f"outcome record {(django_queries.n - before) / jobs:.1f} (Django)"
    )


def queries_per_shard(shard_size: int, batch_size: int) -> None:
    """Django statements of one shard job (lease, batches, progress, done), in-process."""
    from django.test.utils import CaptureQueriesContext

    from shop.jobs.embedding import embedding_shard_run

    reset()
    run = embedding_enqueue(model_id=current_model_id(), shard_size=shard_size)
    shard = run.shards.first()
    get_encoder()
    with CaptureQueriesContext(connection) as queries:
        embedding_shard_run(shard_id=shard.pk, batch_size=batch_size)
    size = len(shard.product_ids)
    print(
        f"queries per shard job of {size} products in batches of {batch_size}: "
        f"{len(queries)} ({len(queries) / size:.2f} per product)"
    )


def write_cost(products: int) -> None:
    """Database share of embedding one photo: the writes catalog_embed makes (pooled
    vector, 32 query vectors, both HNSW indexes), with random vectors and no model;
    then the same without the query-vector HNSW index (dropped in a transaction that is
    rolled back), which is what a bulk load that builds the index afterwards pays."""
    from django.db import transaction

    ms = _write_photos(products)
    print(
        f"database writes per embedded photo (33 vectors, HNSW-indexed): {ms:.1f} ms "
        f"({1000 / ms:.0f} photos/s on one connection)"
    )

    class Rollback(Exception):
        pass

    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("DROP INDEX query_embedding_hnsw")
            ms = _write_photos(products)
            raise Rollback
    except Rollback:
        pass
    print(f"  without the query-vector HNSW index: {ms:.1f} ms per photo")


def _write_photos(products: int) -> float:
    import numpy as np
    from django.db import transaction

    reset()
    ids = list(Product.objects.order_by("id").values_list("id", flat=True)[:products])
    rng = np.random.default_rng(0)
    started = time.perf_counter()
    for start in range(0, len(ids), 32):
        batch = ids[start : start + 32]
        vectors = rng.standard_normal((len(batch), 32, 256)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=-1, keepdims=True)
        with transaction.atomic():
            for pk, queries in zip(batch, vectors, strict=True):
                pooled = queries.mean(axis=0)
                Product.objects.filter(pk=pk).update(
                    embedding=pooled / np.linalg.norm(pooled), embedding_model="bench"
                )
            ProductQueryEmbedding.objects.filter(product_id__in=batch).delete()
            ProductQueryEmbedding.objects.bulk_create(
                ProductQueryEmbedding(product_id=pk, query_index=q, embedding=queries[q])
                for pk, queries in zip(batch, vectors, strict=True)
                for q in range(32)
            )
    return (time.perf_counter() - started) / len(ids) * 1000


def web_process_memory() -> None:
    """Peak RSS of a fresh process that served one text search with the encoder loaded."""
    script = (
        "import django, os, pathlib; django.setup(); from django.test import Client; "
        "c = Client(); assert c.get('/search/?q=blue+shirt').status_code == 200; "
        "print([l for l in pathlib.Path('/proc/self/status').read_text().splitlines() "
        "if l.startswith('VmHWM')][0])"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**os.environ, "ALLOWED_HOSTS": "testserver"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    line = (result.stdout.strip().splitlines() or [result.stderr[-300:]])[-1]
    print(f"web process after one text search: {line}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--products", type=int, default=300, help="0: queries per job only")
    parser.add_argument("--shard-size", type=int, default=25)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--jobs", type=int, default=50)
    args = parser.parse_args()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    call_command("migrate", verbosity=0)
    summary = catalog_import(path=settings.SHOP_SAMPLE_CATALOG, limit=args.products or 1)
    print(f"catalog: {Product.objects.count()} products ({summary.created} new)")

    if not args.products:
        queries_per_job(args.jobs)
        return
    web_process_memory()
    write_cost(args.products)
    queries_per_shard(args.shard_size, args.batch_size)
    reset()
    plain = catalog_embed(encoder=get_encoder(), workers=0, batch_size=args.batch_size)
    print(f"plain embed_catalog (1 process, in-process): {plain.images_per_second:.1f} images/s")
    for n in (1, 2):
        run_workers(n, shard_size=args.shard_size, batch_size=args.batch_size)
    queries_per_job(args.jobs)


if __name__ == "__main__":
    main()
