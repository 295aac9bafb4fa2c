"""Which products can be in the exact top k: FAISS's int8 scan, then an int16 rescore.

A product's text score is BLIP-2's ITC, its best inner product over 32 query vectors;
with a photo, ``w * ITC + (1 - w) * photo cosine``. Each copy in the build scores
within a known distance of the exact score (``Meta``'s errors, measured over every
vector it holds, plus the query's own int8 rounding), so every product gets an
interval [low, high] that holds its exact score:

1. FAISS scans the allowed products' int8 codes (only their lists, an IDSelector for
   the rest) and returns the best vectors (an entry's id is ``32 * row + slot``). A
   product seen there has its ITC within ``e8``; no vector left unreturned is above
   the last one returned. Photo cosines come from the float32 pooled vectors, for
   every allowed product.
2. ``need`` products have a low end of at least ``L`` (the need-th best low end), so
   a product whose high end is below ``L`` is not in the top ``need``. The others are
   rescored from the int16 copy (within ``e16``, ~250x tighter): the vectors the scan
   returned (the others are bounded by the last one returned), every vector of a
   product it did not reach. That cuts them down the same way to a handful.

Every product left out scores below ``bound``; PostgreSQL scores the handful exactly
and the caller checks its k-th score against the bound (``ranking``).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from django.conf import settings

from shop.search.accelerator.store import SLOTS, Mapped, faiss

# Float32 arithmetic over 256 terms, PostgreSQL's and numpy's alike, stays well within
# this of the real-number score; every bound is widened by it.
FLOAT_SLACK = 2e-5
# Vectors FAISS returns at first; the scan deepens 4x until the candidates are known.
FIRST_VECTORS = 1024
# Products not seen in the scan that may still be rescored directly (with a photo, a
# strong photo can lift a product whose text was not among the vectors returned).
MAX_UNSEEN = 512


@dataclass(frozen=True)
class Candidates:
    ids: np.ndarray  # product ids to score exactly
    bound: float  # every other allowed product in the build scores below this
    complete: bool  # every allowed product in the build is a candidate


def _kth(values: np.ndarray, k: int) -> float:
    """The k-th largest value, -inf if there are fewer than k."""
    finite = values[np.isfinite(values)]
    if len(finite) < k:
        return -np.inf
    return float(np.partition(finite, len(finite) - k)[len(finite) - k])


def _int8_query(build: Mapped, text: np.ndarray) -> tuple[np.ndarray, float, float]:
    """(rounded query, int dot product -> score factor, the scan's error bound).

    FAISS's direct int8 codes multiply int8 by int8, so the query is rounded too;
    rounding it here keeps its error known: |q - q8/s| adds ``r * (1 + e8)``.
    """
    q_scale = 127.0 / float(np.abs(text).max())
    rounded = np.round(text * q_scale).astype(np.float32)
    q_error = float(np.linalg.norm(text - rounded / q_scale))
    error = build.meta.int8_error + q_error * (1 + build.meta.int8_error) + FLOAT_SLACK
    return rounded, 1.0 / (q_scale * build.meta.int8_scale), error


def _scan(build: Mapped, query: np.ndarray, rows: np.ndarray | None, count: int):
    """FAISS: the best ``count`` vectors, best first (scores as int dot products, entry
    ids ``32 * row + slot``). A scan over more than ``SHOP_SEARCH_ACCELERATOR_SPLIT_PRODUCTS``
    products' lists runs as two halves side by side (``_halves``)."""
    if rows is None:
        lists = np.arange(build.meta.lists, dtype=np.int64)
    else:
        lists = np.unique(build.row_list[rows]).astype(np.int64)
    selected = None
    if rows is not None and len(rows) != build.list_sizes[lists].sum():
        # Entry ids are 32 * row + slot: a row's 32 bits are its 4 bytes of the bitmap.
        # (A filter on article types alone takes whole lists: nothing to select.)
        allowed = np.zeros(build.meta.products, dtype=np.uint8)
        allowed[rows] = 0xFF
        selected = np.repeat(allowed, SLOTS // 8)
    parts = _halves(build, lists)
    if len(parts) == 1:
        return _scan_lists(build, query, lists, count, selected)
    # Each half returns its best ``count``, so the best ``count`` of both are the whole
    # scan's.
    first, second = _side_by_side(
        lambda half: _scan_lists(build, query, half, count, selected), *parts
    )
    scores = np.concatenate([first[0], second[0]])
    labels = np.concatenate([first[1], second[1]])
    best = np.lexsort((labels, -scores))[:count]  # best first, ties on the entry id
    return scores[best], labels[best]


def _halves(build: Mapped, lists: np.ndarray) -> list[np.ndarray]:
    """``lists`` in two halves of about as many products each, or whole when they hold
    no more than ``SHOP_SEARCH_ACCELERATOR_SPLIT_PRODUCTS`` (0: never split)."""
    sizes = build.list_sizes[lists]
    if len(lists) < 2 or not _splits(int(sizes.sum())):
        return [lists]
    middle = int(np.searchsorted(np.cumsum(sizes), sizes.sum() / 2)) + 1
    middle = min(max(middle, 1), len(lists) - 1)
    return [lists[:middle], lists[middle:]]


def _splits(products: int) -> bool:
    """Whether work over this many products runs as two halves side by side
    (``SHOP_SEARCH_ACCELERATOR_SPLIT_PRODUCTS``; 0: never)."""
    limit = settings.SHOP_SEARCH_ACCELERATOR_SPLIT_PRODUCTS
    return bool(limit) and products > limit


def _side_by_side(work, first, second):  # noqa: ANN001, ANN202 (any work, its two results)
    """``work(first)`` here and ``work(second)`` on the pool, at once: FAISS and numpy let
    go of the GIL, so the halves run on two cores when two are free (and take turns
    when they are not, at the cost of doing the work once)."""
    other = _pool().submit(work, second)
    return work(first), other.result()


_pools: dict[int, ThreadPoolExecutor] = {}


def _pool() -> ThreadPoolExecutor:
    """The threads that work the second halves, this process's own: a pool made before a
    fork (gunicorn's master, were it ever to search) has no threads in the child."""
    pid = os.getpid()
    pool = _pools.get(pid)
    if pool is None:
        pool = _pools.setdefault(
            pid, ThreadPoolExecutor(max_workers=2, thread_name_prefix="accelerator-scan")
        )
    return pool


def _scan_lists(
    build: Mapped, query: np.ndarray, lists: np.ndarray, count: int, selected: np.ndarray | None
):
    """One FAISS scan of ``lists`` (``selected``: the bitmap of allowed entries, or None
    for all of them)."""
    library = faiss()
    if selected is None:
        params = library.SearchParametersIVF(nprobe=len(lists))
    else:
        selector = library.IDSelectorBitmap(len(selected) * 8, library.swig_ptr(selected))
        params = library.SearchParametersIVF(nprobe=len(lists), sel=selector)
    distances = np.empty((1, count), dtype=np.float32)
    labels = np.empty((1, count), dtype=np.int64)
    keys = np.ascontiguousarray(lists[None])
    build.index.search_preassigned_c(
        1,
        library.swig_ptr(np.ascontiguousarray(query[None])),
        count,
        library.swig_ptr(keys),
        library.swig_ptr(np.zeros(keys.shape, dtype=np.float32)),
        library.swig_ptr(distances),
        library.swig_ptr(labels),
        False,
        params,
    )
    found = labels[0] >= 0
    return distances[0][found], labels[0][found]


def _photo_cosines(build: Mapped, rows: np.ndarray | None, image: np.ndarray) -> np.ndarray:
    """The allowed products' photo cosines from the pooled vectors; over more than
    ``SHOP_SEARCH_ACCELERATOR_SPLIT_PRODUCTS`` products, in two halves side by side.
    Rounding may differ by the row count's kernel: ``FLOAT_SLACK`` covers it."""
    pooled = _rows_of_file(build.pooled, rows)
    if not _splits(len(pooled)):
        return np.asarray(pooled) @ image
    middle = len(pooled) // 2
    halves = _side_by_side(lambda part: np.asarray(part) @ image, pooled[:middle], pooled[middle:])
    return np.concatenate(halves)


def _rows_of_file(array: np.ndarray, rows: np.ndarray | None) -> np.ndarray:
    """``array[rows]`` (None: all of it) for sorted, unique ``rows`` (file rows, as
    ``ranking`` hands them over): a view of the mapped file when they are one run, as an
    article type's are (a build lays them out type by type), else a copy."""
    if rows is None:
        return array
    if len(rows) and int(rows[-1]) - int(rows[0]) + 1 == len(rows):  # sorted, unique
        return array[int(rows[0]) : int(rows[-1]) + 1]
    return array[rows]


def candidates(
    build: Mapped,
    *,
    text: np.ndarray | None,
    image: np.ndarray | None,
    weights: tuple[float, float],
    rows: np.ndarray | None,
    need: int,
) -> Candidates:
    """The products that can be among the best ``need`` of the allowed ``rows`` (file
    rows, sorted; None: every row), and the bound every other one stays under."""
    universe = np.arange(build.meta.products) if rows is None else rows
    w_text, w_image = weights
    photo, photo_error = np.zeros(len(universe), dtype=np.float32), 0.0
    if image is not None and w_image > 0:
        photo = _photo_cosines(build, rows, image.astype(np.float32))
        photo_error = build.meta.pooled_error + FLOAT_SLACK
    if text is None or w_text == 0:
        low, high = w_image * (photo - photo_error), w_image * (photo + photo_error)
        cut = _kth(low, need)
        kept_ids = np.asarray(build.products[universe[high >= cut]])
        return Candidates(ids=kept_ids, bound=cut, complete=cut == -np.inf)

    query, factor, e8 = _int8_query(build, text)
    if w_image == 0:
        scanned = _text_kept(build, query, factor, e8, rows, len(universe), need)
    else:
        scanned = _combined_kept(
            build, query, factor, e8, rows, universe, photo, photo_error, weights, need
        )
    itc_low, itc_high = _fine_itc(build, text, scanned)
    low2 = w_text * itc_low + w_image * (scanned.photo - photo_error)
    high2 = w_text * itc_high + w_image * (scanned.photo + photo_error)
    cut2 = _kth(low2, need)
    final = scanned.rows[high2 >= cut2]
    return Candidates(
        ids=np.asarray(build.products[final]),
        bound=max(scanned.cut, cut2),
        complete=scanned.cut == -np.inf and cut2 == -np.inf,
    )


@dataclass(frozen=True)
class _Scanned:
    """The products the int8 scan keeps, and what their int16 rescore reads."""

    rows: np.ndarray  # their file rows, sorted
    photo: np.ndarray  # their photo cosines (zeros without a photo)
    reached: np.ndarray  # per product: the scan returned at least one of its vectors
    entries: np.ndarray  # the vectors it returned of them (32 * row + slot)
    rest: float  # no vector it did not return scores above this (-inf: it returned all)
    cut: float  # every product it left out scores below this


def _fine_itc(build: Mapped, text: np.ndarray, scanned: _Scanned) -> tuple[np.ndarray, np.ndarray]:
    """Each kept product's ITC interval from the int16 copy: the vectors the scan
    returned (its other vectors score at most ``rest``), all 32 of one it did not reach."""
    e16 = build.meta.int16_error + FLOAT_SLACK
    unreached = scanned.rows[~scanned.reached]
    entries = np.concatenate(
        [scanned.entries, (unreached[:, None] * SLOTS + np.arange(SLOTS)).ravel()]
    )
    scores = build.fine[entries].astype(np.float32) @ (
        text.astype(np.float32) / build.meta.int16_scale
    )
    itc = np.full(len(scanned.rows), -np.inf)
    np.maximum.at(itc, np.searchsorted(scanned.rows, entries // SLOTS), scores)
    high = np.where(scanned.reached, np.maximum(itc + e16, scanned.rest), itc + e16)
    return itc - e16, high


def _text_kept(build, query, factor, e8, rows, size: int, need: int) -> _Scanned:
    """Words alone: the scan deepens until no product it did not reach can be in the
    top ``need`` (the last vector's high end is below the cut); only the products
    it returned count, so the work follows the vectors returned, not the filter."""
    count = min(FIRST_VECTORS, size * SLOTS)
    while True:
        scores, labels = _scan(build, query, rows, count)
        owners = labels // SLOTS
        seen, first = np.unique(owners, return_index=True)
        best = scores[first] * factor
        cut = _kth(best - e8, need)
        everything = len(labels) < count or count == size * SLOTS
        rest = -np.inf if everything else float(scores[-1] * factor + e8)
        if everything or rest < cut:
            kept = seen[best + e8 >= cut]
            return _Scanned(
                rows=kept,
                photo=np.zeros(len(kept), dtype=np.float32),
                reached=np.ones(len(kept), dtype=bool),
                entries=labels[np.isin(owners, kept)],
                rest=rest,
                cut=cut,
            )
        count = min(count * 4, size * SLOTS)


def _combined_kept(
    build, query, factor, e8, rows, universe, photo, photo_error, weights, need
) -> _Scanned:
    """Words and a photo: every allowed product has its photo cosine, so one the scan
    did not reach may still be in the top ``need`` through its photo; up to
    ``MAX_UNSEEN`` of those are rescored directly rather than scanning deeper."""
    w_text, w_image = weights
    count = min(FIRST_VECTORS, len(universe) * SLOTS)
    while True:
        scores, labels = _scan(build, query, rows, count)
        exhausted = len(labels) < count or count == len(universe) * SLOTS
        owners = labels // SLOTS
        seen, first = np.unique(owners, return_index=True)
        rest = -np.inf if exhausted else float(scores[-1] * factor + e8)
        text_high = np.full(len(universe), rest)
        text_low = np.full(len(universe), -np.inf)
        at = seen if rows is None else np.searchsorted(universe, seen)
        text_high[at] = scores[first] * factor + e8
        text_low[at] = scores[first] * factor - e8
        low = w_text * text_low + w_image * (photo - photo_error)
        high = w_text * text_high + w_image * (photo + photo_error)
        cut = _kth(low, need)
        kept = np.flatnonzero(high >= cut)
        reached = np.isin(kept, at)
        if exhausted or len(kept) - int(reached.sum()) <= MAX_UNSEEN:
            kept_rows = universe[kept]
            return _Scanned(
                rows=kept_rows,
                photo=photo[kept],
                reached=reached,
                entries=labels[np.isin(owners, kept_rows)],
                rest=rest,
                cut=cut,
            )
        count = min(count * 4, len(universe) * SLOTS)
