"""Writing a build from the query vectors PostgreSQL holds now, stamped with what it read.

The stamp is the highest query-vector row id. Writers are let finish first (a SHARE
lock, held for an instant, waits for inserts in flight), so every row at or below
the stamp is committed and every later embedding gets a higher id; the vectors are
then read in one snapshot. Products (active or not: activation never re-embeds) with
their 32 rows at or below the stamp are written; anything embedded later is merged
in by ``ranking`` until the next build.

Vectors stream out of PostgreSQL as binary COPY and into the files chunk by chunk: the
builder holds the int8 codes (FAISS builds its lists in memory) and a chunk, not the
float32 vectors. The int8 and int16 scales come from the first chunk with headroom;
a component beyond is clipped, and the error each copy may make is measured over
every vector written, clipping included.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from django.db import connections, router, transaction
from django.utils import timezone

from shop.catalog.models import Product
from shop.search.accelerator.store import (
    CURRENT,
    DIM,
    FORMAT,
    SEQUENCE_LAST,
    SLOTS,
    Meta,
    faiss,
    forget,
    meta_write,
    root,
)
from shop.search.models import ProductQueryEmbedding

# One builder at a time, whatever the host (a task and a manual run).
_BUILD_LOCK = 0x5EA_2C4
HEADROOM = 1.25
SAMPLE_ROWS = 65_536
_HEADER = b"PGCOPY\n\xff\r\n\x00"


@dataclass
class BuildSummary:
    model_id: str
    products: int = 0
    vectors: int = 0
    megabytes: float = 0.0
    seconds: float = 0.0
    folder: str = ""
    skipped: str = ""  # why nothing was built
    errors: dict[str, float] = field(default_factory=dict)

    def lines(self) -> list[str]:
        if self.skipped:
            return [f"Search accelerator for {self.model_id}: not built ({self.skipped})"]
        bounds = ", ".join(f"{name} {value:.4f}" for name, value in self.errors.items())
        return [
            f"Search accelerator for {self.model_id}: {self.products} products, "
            f"{self.vectors} query vectors, {self.megabytes:.0f} MB in {self.seconds:.1f} s "
            f"({self.folder}); error bounds: {bounds}"
        ]


def _vector_fields(*leading: tuple[str, str]) -> np.dtype:
    """A binary COPY row of fixed-size fields, the last a pgvector ``vector(256)``."""
    fields: list[tuple] = [("fields", ">i2")]
    for name, kind in leading:
        fields += [(f"{name}_len", ">i4"), (name, kind)]
    fields += [("vec_len", ">i4"), ("dim", ">i2"), ("unused", ">i2"), ("vec", ">f4", (DIM,))]
    return np.dtype(fields)


def _checked(rows: np.ndarray) -> np.ndarray:
    fields = (len(rows.dtype.names) - 4) // 2 + 1
    if (rows["fields"] != fields).any() or (rows["dim"] != DIM).any():
        raise ValueError("unexpected binary COPY rows (NULLs, or not 256 dimensions)")
    return rows


def _copy_rows(cursor, sql: str, params: list, row: np.dtype) -> Iterator[np.ndarray]:
    """The rows of ``COPY (sql) TO STDOUT (FORMAT BINARY)``, parsed in chunks."""
    pending = bytearray()
    started = False
    # The driver's own cursor: Django's debug wrapper takes no COPY parameters.
    with cursor.cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT BINARY)", params) as copy:
        for block in copy:
            pending += block
            if not started:
                if len(pending) < 19:
                    continue
                if bytes(pending[:11]) != _HEADER:
                    raise ValueError("not a binary COPY stream")
                extension = int.from_bytes(pending[15:19], "big")
                del pending[: 19 + extension]
                started = True
            whole = len(pending) // row.itemsize
            if whole >= 4096:
                yield _checked(np.frombuffer(bytes(pending[: whole * row.itemsize]), dtype=row))
                del pending[: whole * row.itemsize]
    if bytes(pending[-2:]) != b"\xff\xff" or (len(pending) - 2) % row.itemsize:
        raise ValueError("binary COPY stream cut short")
    if len(pending) > 2:
        yield _checked(np.frombuffer(bytes(pending[:-2]), dtype=row))


def source_of(*, model_id: str) -> str:
    """What a build is made of: the newest query-vector row, and every embedded
    product with its article type (a move between types changes the lists)."""
    product = Product._meta.db_table
    table = ProductQueryEmbedding._meta.db_table
    database = router.db_for_write(ProductQueryEmbedding)
    with connections[database].cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT coalesce(max(id), 0) FROM {table}), count(*), "
            "md5(coalesce(string_agg(id || ':' || category_id, ',' ORDER BY id), '')) "
            f"FROM {product} WHERE embedding_model = %s AND embedding IS NOT NULL",
            [model_id],
        )
        newest, products, digest = cursor.fetchone()
    return f"{newest}:{products}:{digest}"


def current_source() -> str | None:
    """The source the current build was made of, if there is one."""
    try:
        return json.loads((root() / CURRENT / "meta.json").read_text())["source"]
    except (OSError, ValueError, KeyError):
        return None


def accelerator_build(*, model_id: str, if_changed: bool = False) -> BuildSummary:
    """Build the files for ``model_id``'s embeddings and make them current.

    ``if_changed``: skip when the current build was made from the same source
    (``source_of``). Safe to run again at any point; a second builder waits for
    none and skips.
    """
    summary = BuildSummary(model_id=model_id)
    database = router.db_for_write(ProductQueryEmbedding)
    connection = connections[database]
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [_BUILD_LOCK])
        if not cursor.fetchone()[0]:
            summary.skipped = "another build is running"
            return summary
    try:
        source = source_of(model_id=model_id)
        if if_changed and source == current_source():
            summary.skipped = "nothing changed since the current build"
            return summary
        if source.split(":")[1] == "0":
            summary.skipped = "no product is embedded with this model"
            return summary
        return _build(summary, database=database, source=source)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [_BUILD_LOCK])


def _build(summary: BuildSummary, *, database: str, source: str) -> BuildSummary:
    started = time.monotonic()
    model_id = summary.model_id
    connection = connections[database]
    product = Product._meta.db_table
    table = ProductQueryEmbedding._meta.db_table
    with transaction.atomic(using=database), connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {table} IN SHARE MODE")  # writers in flight finish
        cursor.execute(f"SELECT coalesce(max(id), 0) FROM {table}")
        last = cursor.fetchone()[0]
        # Deletions never lower the stamp below what searches compare it with.
        cursor.execute(f"SELECT {SEQUENCE_LAST}", [table])
        last = max(last, cursor.fetchone()[0])

    base = root()
    base.mkdir(parents=True, exist_ok=True)
    name = f"build-{last}-{timezone.now():%Y%m%d%H%M%S}"
    work = base / f"{name}.tmp-{os.getpid()}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    try:
        outer = connection.in_atomic_block
        with transaction.atomic(using=database), connection.cursor() as cursor:
            if not outer:  # else the caller's transaction is the snapshot
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            complete = (
                f"SELECT product_id FROM {table} WHERE id <= %s "
                "GROUP BY product_id HAVING count(*) = 32"
            )
            products = [
                rows
                for rows in _copy_rows(
                    cursor,
                    f"SELECT p.id, p.category_id, p.embedding FROM {product} p "
                    "WHERE p.embedding_model = %s AND p.embedding IS NOT NULL "
                    f"AND p.id IN ({complete}) ORDER BY p.category_id, p.id",
                    [model_id, last],
                    _vector_fields(("id", ">i8"), ("category", ">i8")),
                )
            ]
            ids = np.concatenate([r["id"] for r in products]) if products else np.zeros(0, ">i8")
            categories = (
                np.concatenate([r["category"] for r in products]) if products else ids.copy()
            )
            pooled = (
                np.concatenate([r["vec"] for r in products]).astype(np.float32)
                if products
                else np.zeros((0, DIM), np.float32)
            )
            n = len(ids)
            ids = ids.astype(np.int64)
            _, lists = np.unique(categories, return_inverse=True)
            lists = lists.astype(np.int32)
            nlist = int(lists.max()) + 1 if n else 1
            by_id = np.argsort(ids)
            codes = np.lib.format.open_memmap(
                work / "codes.tmp.npy", mode="w+", dtype=np.uint8, shape=(n * SLOTS, DIM)
            )
            fine = np.lib.format.open_memmap(
                work / "fine.npy", mode="w+", dtype=np.int16, shape=(n * SLOTS, DIM)
            )
            filled = np.zeros(n * SLOTS, dtype=bool)
            scales: tuple[float, float] | None = None
            errors = [0.0, 0.0]
            waiting: list[np.ndarray] = []

            def place(rows: np.ndarray) -> None:
                at = by_id[np.searchsorted(ids, rows["product"], sorter=by_id)]
                slot = rows["slot"].astype(np.int64)
                if (slot >= SLOTS).any() or (ids[at] != rows["product"]).any():
                    raise ValueError("query vectors that do not belong to the build")
                position = at * SLOTS + slot
                x = rows["vec"].astype(np.float32)
                for i, (scale, limit) in enumerate(zip(scales, (127, 32767), strict=True)):
                    code = np.clip(np.round(x * scale), -limit, limit)
                    error = np.linalg.norm(x - code / scale, axis=1).max(initial=0.0)
                    errors[i] = max(errors[i], float(error))
                    if limit == 127:
                        codes[position] = (code + 128).astype(np.uint8)
                    else:
                        fine[position] = code.astype(np.int16)
                filled[position] = True

            for rows in _copy_rows(
                cursor,
                f"SELECT product_id, query_index, embedding FROM {table} "
                f"WHERE id <= %s AND product_id IN (SELECT id FROM {product} "
                "WHERE embedding_model = %s AND embedding IS NOT NULL "
                f"AND id IN ({complete}))",
                [last, model_id, last],
                _vector_fields(("product", ">i8"), ("slot", ">i2")),
            ):
                if scales is None:
                    waiting.append(rows)
                    if sum(len(r) for r in waiting) < SAMPLE_ROWS:
                        continue
                    top = max(float(np.abs(r["vec"]).max()) for r in waiting) * HEADROOM
                    scales = (127.0 / top, 32767.0 / top)
                    for held in waiting:
                        place(held)
                    waiting = []
                else:
                    place(rows)
            if scales is None:  # fewer rows than the sample
                top = max((float(np.abs(r["vec"]).max()) for r in waiting), default=1.0)
                scales = (127.0 / (top * HEADROOM), 32767.0 / (top * HEADROOM))
                for held in waiting:
                    place(held)
            if not filled.all():
                raise ValueError(f"{int((~filled).sum())} query vectors missing from the build")

        fine.flush()
        np.save(work / "products.npy", ids)
        np.save(work / "lists.npy", lists)
        np.save(work / "pooled.npy", pooled)
        _write_index(work / "text.faiss", codes, lists, nlist)
        (work / "codes.tmp.npy").unlink()  # FAISS holds its own copy now
        meta = Meta(
            format=FORMAT,
            model_id=model_id,
            database=connection.settings_dict["NAME"],
            source=source,
            last_row_id=int(last),
            products=n,
            lists=nlist,
            int8_scale=scales[0],
            int16_scale=scales[1],
            int8_error=errors[0],
            int16_error=errors[1],
            pooled_error=0.0,  # float32 as PostgreSQL holds it
            built_at=timezone.now().isoformat(),
            seconds=round(time.monotonic() - started, 1),
        )
        meta_write(work, meta)
        for path in work.iterdir():
            with open(path, "rb") as f:
                os.fsync(f.fileno())
        final = base / name
        os.rename(work, final)
        _publish(base, name)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    summary.products, summary.vectors = n, n * SLOTS
    summary.megabytes = sum(p.stat().st_size for p in final.iterdir()) / 1e6
    summary.seconds = time.monotonic() - started
    summary.folder = str(final)
    summary.errors = {"int8": errors[0], "int16": errors[1]}
    return summary


def _write_index(path: Path, codes: np.ndarray, lists: np.ndarray, nlist: int) -> None:
    """A FAISS IVF of direct int8 codes, one inverted list per article type; an entry's
    id is its product's file row. Lists are named at search time, never searched for:
    the coarse quantizer's centroids are zeros."""
    library = faiss()
    coarse = library.IndexFlatIP(DIM)
    coarse.add(np.zeros((nlist, DIM), dtype=np.float32))
    index = library.IndexIVFScalarQuantizer(
        coarse,
        DIM,
        nlist,
        library.ScalarQuantizer.QT_8bit_direct_signed,
        library.METRIC_INNER_PRODUCT,
        False,
    )
    index.is_trained = True
    bounds = np.searchsorted(lists, np.arange(nlist + 1))  # rows are in list order
    for number in range(nlist):
        lo, hi = int(bounds[number]), int(bounds[number + 1])
        if hi == lo:
            continue
        entries = np.repeat(np.arange(lo, hi, dtype=np.int64), SLOTS)
        chunk = np.ascontiguousarray(codes[lo * SLOTS : hi * SLOTS])
        index.invlists.add_entries(
            number, len(entries), library.swig_ptr(entries), library.swig_ptr(chunk)
        )
    index.ntotal = len(lists) * SLOTS
    library.write_index(index, str(path))


def _publish(base: Path, name: str) -> None:
    """Point ``current`` at the new build in one rename; older builds go (a worker still
    mapping one keeps its pages until it lets go)."""
    link = base / f"{CURRENT}.tmp-{os.getpid()}"
    link.unlink(missing_ok=True)
    os.symlink(name, link)
    os.replace(link, base / CURRENT)
    for old in base.glob("build-*"):
        if old.name != name:
            shutil.rmtree(old, ignore_errors=True)
    forget()


# The task that builds (shop/search/tasks.py), deferred by name.
BUILD_TASK = "shop.search.tasks.search_accelerator_build"
# Imports and embedding shards come in bursts: one build a minute after the last.
BUILD_DELAY_S = 60


def accelerator_build_queue() -> int | None:
    """Queue a build a minute from now; the job id, or None if one is already queued
    (it will see this change too). Called after imports and embedding runs."""
    from procrastinate.contrib.django import app
    from procrastinate.exceptions import AlreadyEnqueued

    try:
        with transaction.atomic():  # the unique violation must not abort a caller's
            task = app.configure_task(
                BUILD_TASK,
                allow_unknown=False,
                queueing_lock="search_accelerator_build",
                schedule_in={"seconds": BUILD_DELAY_S},
            )
            return task.defer(timestamp=int(time.time()))
    except AlreadyEnqueued:
        return None
