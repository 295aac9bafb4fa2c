"""Writing a build from the query vectors PostgreSQL holds now, stamped with what it read.

The stamp is the query-vector id sequence's value. Writers are let finish first (a
SHARE lock, held for an instant, waits for inserts in flight), so every row at or
below the stamp is committed and every later embedding gets a higher id; the vectors
are then read in one snapshot. Products (active or not: activation never re-embeds) with
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
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from django.db import connections, router, transaction
from django.utils import timezone

from shop.catalog.models import Product
from shop.search.accelerator.copy_rows import copy_rows, vector_fields
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

_QE = ProductQueryEmbedding._meta.db_table
_PRODUCT = Product._meta.db_table
# Products embedded with the model (%s) and all 32 of their vectors at or below the
# stamp (%s), in one snapshot.
_EMBEDDED = (
    f"SELECT id FROM {_PRODUCT} WHERE embedding_model = %s AND embedding IS NOT NULL "
    f"AND id IN (SELECT product_id FROM {_QE} WHERE id <= %s "
    "GROUP BY product_id HAVING count(*) = 32)"
)
# One builder at a time, whatever the host (a task and a manual run).
_BUILD_LOCK = 0x5EA_2C4
HEADROOM = 1.25
SAMPLE_ROWS = 65_536
# Products in one inverted list at most (32k vectors, 8 MB of codes): a big article type
# becomes several lists, which threads scan side by side.
LIST_PRODUCTS = 1024


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


def source_of(*, model_id: str) -> str:
    """What a build is made of: the query-vector id sequence, and every embedded
    product with its article type (a move between types changes the lists)."""
    database = router.db_for_write(ProductQueryEmbedding)
    with connections[database].cursor() as cursor:
        cursor.execute(
            # The sequence, not max(id): ids taken by rolled-back inserts widen the gap
            # searches check against MAX_STALE, so they call for a build too.
            f"SELECT {SEQUENCE_LAST}, count(*), "
            "md5(coalesce(string_agg(id || ':' || category_id, ',' ORDER BY id), '')) "
            f"FROM {_PRODUCT} WHERE embedding_model = %s AND embedding IS NOT NULL",
            [_QE, model_id],
        )
        newest, products, digest = cursor.fetchone()
    return f"{newest}:{products}:{digest}"


def current_source() -> str | None:
    """The source the current build was made of, if there is one."""
    try:
        meta = json.loads((root() / CURRENT / "meta.json").read_text())
    except (OSError, ValueError):
        return None
    # A build this code cannot read (an older format) is rebuilt whatever it was made of.
    return meta.get("source") if isinstance(meta, dict) and meta.get("format") == FORMAT else None


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
    connection = connections[database]
    last = _stamp(connection)
    base = root()
    base.mkdir(parents=True, exist_ok=True)
    # To the microsecond: a rebuild from the same stamp (a format upgrade) gets its own name.
    name = f"build-{last}-{timezone.now():%Y%m%d%H%M%S%f}"
    work = base / f"{name}.tmp-{os.getpid()}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    try:
        outer = connection.in_atomic_block
        with transaction.atomic(using=database), connection.cursor() as cursor:
            if not outer:  # else the caller's transaction is the snapshot
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            ids, lists, pooled = _products(cursor, model_id=summary.model_id, last=last)
            copies = _Copies(work, ids)
            for rows in copy_rows(
                cursor,
                f"SELECT product_id, query_index, embedding FROM {_QE} "
                f"WHERE id <= %s AND product_id IN ({_EMBEDDED})",
                [last, summary.model_id, last],
                vector_fields(("product", ">i8"), ("slot", ">i2")),
            ):
                copies.add(rows)
            copies.finish()
        np.save(work / "products.npy", ids)
        np.save(work / "lists.npy", lists)
        np.save(work / "pooled.npy", pooled)
        nlist = int(lists.max()) + 1
        _write_index(work / "text.faiss", copies.codes, lists, nlist)
        (work / "codes.tmp.npy").unlink()  # FAISS wrote its own copy
        meta = Meta(
            format=FORMAT,
            model_id=summary.model_id,
            database=connection.settings_dict["NAME"],
            source=source,
            last_row_id=int(last),
            products=len(ids),
            lists=nlist,
            int8_scale=copies.scales[0],
            int16_scale=copies.scales[1],
            int8_error=copies.errors[0],
            int16_error=copies.errors[1],
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
    summary.products, summary.vectors = len(ids), len(ids) * SLOTS
    summary.megabytes = sum(p.stat().st_size for p in final.iterdir()) / 1e6
    summary.seconds = time.monotonic() - started
    summary.folder = str(final)
    summary.errors = {"int8": copies.errors[0], "int16": copies.errors[1]}
    return summary


def _stamp(connection) -> int:
    """The query-vector id sequence's value once inserts in flight have finished: every
    row at or below it is committed, every later one gets a higher id. The SHARE lock
    waits for writers and is let go at once."""
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {_QE} IN SHARE MODE")
        cursor.execute(f"SELECT greatest((SELECT max(id) FROM {_QE}), {SEQUENCE_LAST}, 0)", [_QE])
        return cursor.fetchone()[0]


def _products(cursor, *, model_id: str, last: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(product ids by article type then id, their list numbers, pooled vectors) of
    the products with all 32 query vectors at or below the stamp."""
    chunks = list(
        copy_rows(
            cursor,
            f"SELECT id, category_id, embedding FROM {_PRODUCT} WHERE id IN ({_EMBEDDED}) "
            "ORDER BY category_id, id",
            [model_id, last],
            vector_fields(("id", ">i8"), ("category", ">i8")),
        )
    )
    ids = np.concatenate([c["id"] for c in chunks]).astype(np.int64)
    categories = np.concatenate([c["category"] for c in chunks])
    pooled = np.concatenate([c["vec"] for c in chunks]).astype(np.float32)
    return ids, list_numbers(categories), pooled


def list_numbers(categories: np.ndarray) -> np.ndarray:
    """Each row's inverted list (rows sorted by article type): one list per type, a big
    type split into lists of ``LIST_PRODUCTS`` so that threads can share its scan
    (FAISS's ``parallel_mode`` splits a query by lists, never within one)."""
    types = np.unique(categories, return_inverse=True)[1].astype(np.int64)
    first = np.searchsorted(types, types)  # the first row of each row's type
    piece = (np.arange(len(types)) - first) // LIST_PRODUCTS
    return np.unique(types * (len(types) + 1) + piece, return_inverse=True)[1].astype(np.int32)


class _Copies:
    """The int8 codes (for FAISS) and the int16 copy, written row by row as vectors
    stream in, with the largest error each makes. Both scales come from the first
    ``SAMPLE_ROWS`` vectors with ``HEADROOM``; a component beyond is clipped, and the
    measured error includes it."""

    def __init__(self, folder: Path, ids: np.ndarray) -> None:
        shape = (len(ids) * SLOTS, DIM)
        self.codes = np.lib.format.open_memmap(
            folder / "codes.tmp.npy", mode="w+", dtype=np.uint8, shape=shape
        )
        self.fine = np.lib.format.open_memmap(
            folder / "fine.npy", mode="w+", dtype=np.int16, shape=shape
        )
        self.ids, self.by_id = ids, np.argsort(ids)
        self.filled = np.zeros(shape[0], dtype=bool)
        self.scales: tuple[float, float] = (0.0, 0.0)
        self.errors = [0.0, 0.0]
        self._waiting: list[np.ndarray] | None = []

    def add(self, rows: np.ndarray) -> None:
        if self._waiting is None:
            self._place(rows)
            return
        self._waiting.append(rows)
        if sum(len(r) for r in self._waiting) >= SAMPLE_ROWS:
            self._start()

    def finish(self) -> None:
        if self._waiting is not None:
            self._start()
        self.fine.flush()
        if not self.filled.all():
            raise ValueError(f"{int((~self.filled).sum())} query vectors missing from the build")

    def _start(self) -> None:
        waiting, self._waiting = self._waiting or [], None
        top = max((float(np.abs(r["vec"]).max()) for r in waiting), default=1.0) * HEADROOM
        self.scales = (127.0 / top, 32767.0 / top)
        for rows in waiting:
            self._place(rows)

    def _place(self, rows: np.ndarray) -> None:
        at = self.by_id[np.searchsorted(self.ids, rows["product"], sorter=self.by_id)]
        slot = rows["slot"].astype(np.int64)
        if (slot >= SLOTS).any() or (self.ids[at] != rows["product"]).any():
            raise ValueError("query vectors that do not belong to the build")
        position = at * SLOTS + slot
        x = rows["vec"].astype(np.float32)
        for i, (scale, limit) in enumerate(zip(self.scales, (127, 32767), strict=True)):
            code = np.clip(np.round(x * scale), -limit, limit)
            error = float(np.linalg.norm(x - code / scale, axis=1).max(initial=0.0))
            self.errors[i] = max(self.errors[i], error)
            if limit == 127:
                self.codes[position] = (code + 128).astype(np.uint8)  # FAISS's signed codes
            else:
                self.fine[position] = code.astype(np.int16)
        self.filled[position] = True


def _write_index(path: Path, codes: np.ndarray, lists: np.ndarray, nlist: int) -> None:
    """A FAISS IVF of direct int8 codes, inverted lists by article type; an entry's
    id is ``32 * row + slot`` (its product's file row, its query vector). Lists are
    named at search time, never searched for: the coarse quantizer's centroids are
    zeros."""
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
        entries = np.arange(lo * SLOTS, hi * SLOTS, dtype=np.int64)  # 32 * row + slot
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
