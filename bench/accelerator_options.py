"""Exact max-over-slots text scoring outside PostgreSQL: FAISS, USearch and numpy, measured.

    .venv/bin/python bench/accelerator_options.py [--data var/bench/bench_44k] \\
        [--queries 50] [--methods "all" | "name;name"] [--usearch-index] [--threads 1]

Reads the synthetic catalog's raw vectors (``bench/synthetic_catalog.py`` saves them:
``queries.npy`` (products, 32, 256), ``types.npy``), lays them out by (article type,
product) so every type is one contiguous run of rows, writes each candidate
representation to a scratch folder, maps it back read-only and times text queries
(the scale bench's own: a fresh product's query vector plus noise), k = 10:
unfiltered, under the biggest type (Tshirts), a mid type (Heels) and words far from
the biggest type while filtering to it.

The score is BLIP-2's ITC, a product's best inner product over its 32 query vectors.
A quantised copy ranks by an approximate score ``a``; with ``e`` the largest error
the copy can make on a unit query (the largest residual norm ``|v - decoded(v)|``
over its vectors, Cauchy-Schwarz), every product outside
``{a >= a_k - 2e}`` (``a_k``: the k-th best approximate score) scores below each of
the k best approximate products, so exact scores of that candidate set give the
exact top k. "cand" counts it (median / p95): what an exact rescore must read.

Per method and case: p50 / p95 ms of the scorer alone (one thread unless
``--threads``), recall@10 of its own ranking against float32 exact, the candidate
count, and once per method the file size, build time and the process's private
(RssAnon) and shared file-backed (RssFile) memory growth after mapping it and
answering every case. FAISS is the shop's (requirements.txt); the USearch rows need
``pip install usearch``. Prints figures; asserts nothing. Run it alone.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

# One thread a search (gunicorn's workers run in parallel), BLAS included: set
# before numpy loads OpenBLAS.
_THREADS = sys.argv[sys.argv.index("--threads") + 1] if "--threads" in sys.argv else "1"
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = _THREADS

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from kaggle_shape import ARTICLE_TYPES  # noqa: E402
from synthetic_catalog import Shape, _noise, unit  # noqa: E402

K = 10
SLOTS = 32
TEXT_NOISE = 0.8  # as bench/vector_search_scale.py
FLOAT_SLACK = 1e-5


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def rss() -> tuple[int, int]:
    """(RssAnon, RssFile) of this process in MB."""
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines())
    return int(fields["RssAnon"].split()[0]) // 1024, int(fields["RssFile"].split()[0]) // 1024


@dataclass
class Case:
    label: str
    span: tuple[int, int] | None  # product rows [lo, hi) in the layout; None: all
    queries: np.ndarray


@dataclass
class Searcher:
    """A loaded representation: ``score(q, span)`` -> (product rows, approx scores),
    best first, covering every product with a >= a_k - 2e; ``error(q)`` is e."""

    score: Callable[[np.ndarray, tuple[int, int] | None], tuple[np.ndarray, np.ndarray]]
    error: Callable[[np.ndarray], float]


def top_products(rows: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Vector hits (best first) -> each product once, at its best hit."""
    products, first = np.unique(rows // SLOTS, return_index=True)
    order = np.argsort(first, kind="stable")
    return products[order], scores[first[order]]


def certified(products: np.ndarray, scores: np.ndarray, e: float) -> int:
    if len(scores) < K:
        return len(scores)
    return int((scores >= scores[K - 1] - 2 * e - FLOAT_SLACK).sum())


def dense_scorer(matrix: np.ndarray, convert: Callable | None) -> Callable:
    """numpy: one matrix-vector product over the span's rows (chunked conversion for
    int8 / float16, whose own matmul has no BLAS), then the best of 32 per product."""

    def score(q: np.ndarray, span: tuple[int, int] | None):
        lo, hi = span if span is not None else (0, len(matrix) // SLOTS)
        rows = matrix[lo * SLOTS : hi * SLOTS]
        if convert is None:
            sims = rows @ q
        else:
            sims = np.empty(len(rows), dtype=np.float32)
            qq = convert(q)
            for start in range(0, len(rows), 4096):
                sims[start : start + 4096] = rows[start : start + 4096].astype(np.float32) @ qq
        best = sims.reshape(-1, SLOTS).max(axis=1)
        keep = min(len(best), 4096)
        part = np.argpartition(-best, keep - 1)[:keep]
        order = part[np.argsort(-best[part], kind="stable")]
        return order + lo, best[order]

    return score


def deepening(search: Callable[[np.ndarray, int], tuple[np.ndarray, np.ndarray]], error):
    """Top vectors from a library, deepened until the candidate set is complete."""

    def score(q: np.ndarray, span):
        e = error(q)
        count = 1024
        while True:
            scores, rows = search(q, count, span)
            valid = rows >= 0
            scores, rows = scores[valid], rows[valid]
            products, best = top_products(rows, scores)
            if len(scores) < count or (
                len(best) >= K and scores[-1] < best[K - 1] - 2 * e - FLOAT_SLACK
            ):
                return products, best
            count *= 4

    return score


def residual_bound(x: np.ndarray, decoded: Callable[[np.ndarray], np.ndarray]) -> float:
    worst = 0.0
    for start in range(0, len(x), 65536):
        chunk = x[start : start + 65536]
        worst = max(worst, float(np.linalg.norm(chunk - decoded(chunk), axis=1).max()))
    return worst + FLOAT_SLACK


def build_numpy(x: np.ndarray, folder: Path, kind: str):
    scale = 127.0 / float(np.abs(x).max())
    started = time.monotonic()
    if kind == "f32":
        data, bound = x, FLOAT_SLACK
    elif kind == "f16":
        data = x.astype(np.float16)
        bound = residual_bound(x, lambda c: c.astype(np.float16).astype(np.float32))
    else:
        data = np.round(x * scale).astype(np.int8)
        bound = residual_bound(x, lambda c: np.round(c * scale).astype(np.int8) / scale)
    np.save(folder / "vectors.npy", data)
    took = time.monotonic() - started

    def load() -> Searcher:
        matrix = np.load(folder / "vectors.npy", mmap_mode="r")
        convert = None if kind == "f32" else (lambda q: q / scale if kind == "i8" else q)
        return Searcher(dense_scorer(matrix, convert), lambda q: bound)

    return took, load


def int8_query(q: np.ndarray, scale: float) -> tuple[np.ndarray, float, float]:
    """(integer query, factor from integer dot products to scores, its own error).

    FAISS's direct int8 codes and USearch's i8 multiply int8 by int8, so the query is
    rounded too; rounding it ourselves keeps the product exact and the error known.
    """
    q_scale = 127.0 / float(np.abs(q).max())
    rounded = np.round(q * q_scale).astype(np.float32)
    return rounded, 1.0 / (q_scale * scale), float(np.linalg.norm(q - rounded / q_scale))


def faiss_quantised(x: np.ndarray, kind: str, make: Callable):
    """A FAISS SQ / flat index from ``make(qtype)``, filled, and its error bound."""
    import faiss

    scale = 127.0 / float(np.abs(x).max())
    if kind == "flat":
        index = make(None)
        index.add(x)
        return index, scale, FLOAT_SLACK
    qtype = {
        "sq8": faiss.ScalarQuantizer.QT_8bit,
        "fp16": faiss.ScalarQuantizer.QT_fp16,
        "int8": faiss.ScalarQuantizer.QT_8bit_direct_signed,
    }[kind]
    index = make(qtype)
    prepared = (lambda c: np.round(c * scale)) if kind == "int8" else (lambda c: c)
    if kind == "sq8":
        index.train(x[:: max(1, len(x) // 200_000)])
    index.is_trained = True
    unscale = (1 / scale) if kind == "int8" else 1.0
    sq = index.sq
    bound = residual_bound(
        x, lambda c: sq.decode(sq.compute_codes(prepared(c).astype(np.float32))) * unscale
    )
    return index, scale, bound


def faiss_scores(kind: str, scale: float, bound: float, search: Callable) -> Searcher:
    """Wraps a FAISS search(query (1, d), count, span) into a Searcher (int8 queries
    rounded, see int8_query)."""

    def prepared(q):
        if kind == "int8":
            return int8_query(q, scale)
        return q.astype(np.float32), 1.0, 0.0

    def error(q):
        _query, _factor, q_error = prepared(q)
        return bound + q_error * (1 + bound)

    def lookup(q, count, span):
        query, factor, _e = prepared(q)
        scores, rows = search(query[None], count, span)
        return scores[0] * factor, rows[0]

    return Searcher(deepening(lookup, error), error)


def build_faiss(x: np.ndarray, folder: Path, kind: str, selector: str):
    """One flat FAISS index over every vector; a filter is an IDSelector."""
    import faiss

    started = time.monotonic()
    ip = faiss.METRIC_INNER_PRODUCT
    index, scale, bound = faiss_quantised(
        x,
        kind,
        lambda qtype: (
            faiss.IndexFlatIP(x.shape[1])
            if qtype is None
            else faiss.IndexScalarQuantizer(x.shape[1], qtype, ip)
        ),
    )
    if kind != "flat":
        for start in range(0, len(x), 65536):
            chunk = x[start : start + 65536]
            index.add(np.round(chunk * scale) if kind == "int8" else chunk)
    faiss.write_index(index, str(folder / "index.faiss"))
    took = time.monotonic() - started

    def load() -> Searcher:
        mapped = faiss.read_index(str(folder / "index.faiss"), faiss.IO_FLAG_MMAP_IFC)
        n_vectors = mapped.ntotal

        def search(query, count, span):
            params = None
            if span is not None:
                lo, hi = span[0] * SLOTS, span[1] * SLOTS
                if selector == "range":
                    sel = faiss.IDSelectorRange(lo, hi)
                elif selector == "bitmap":
                    bits = np.zeros(n_vectors, dtype=bool)
                    bits[lo:hi] = True
                    packed = np.packbits(bits, bitorder="little")
                    sel = faiss.IDSelectorBitmap(n_vectors, faiss.swig_ptr(packed))
                    sel.referenced = packed  # keep the bytes alive
                else:
                    sel = faiss.IDSelectorBatch(np.arange(lo, hi, dtype=np.int64))
                params = faiss.SearchParameters(sel=sel)
                count = min(count, hi - lo)
            return mapped.search(query, count, params=params)

        return faiss_scores(kind, scale, bound, search)

    return took, load


def build_faiss_ivf(x: np.ndarray, folder: Path, kind: str, starts: np.ndarray, refine: str | None):
    """An IVF index whose inverted lists are the article types (no coarse search: the
    lists to scan are named, ``search_preassigned``); unfiltered scans them all.
    ``refine``: the candidate set rescored from a finer copy (numpy, mapped): float16
    or int16 (numpy converts int16 with SIMD, float16 element by element)."""
    import faiss

    started = time.monotonic()
    nlist = len(starts) - 1
    coarse = faiss.IndexFlatIP(x.shape[1])
    coarse.add(np.zeros((nlist, x.shape[1]), dtype=np.float32))  # never searched
    index, scale, bound = faiss_quantised(
        x,
        kind,
        lambda qtype: faiss.IndexIVFScalarQuantizer(
            coarse, x.shape[1], nlist, qtype, faiss.METRIC_INNER_PRODUCT, False
        ),
    )
    for t in range(nlist):
        lo, hi = starts[t] * SLOTS, starts[t + 1] * SLOTS
        if hi == lo:
            continue
        chunk = x[lo:hi]
        codes = index.sq.compute_codes(
            np.round(chunk * scale).astype(np.float32) if kind == "int8" else chunk
        )
        ids = np.arange(lo, hi, dtype=np.int64)
        index.invlists.add_entries(int(t), int(hi - lo), faiss.swig_ptr(ids), faiss.swig_ptr(codes))
        index.ntotal += int(hi - lo)
    faiss.write_index(index, str(folder / "index.faiss"))
    fine_scale = 32767.0 / float(np.abs(x).max())
    if refine == "fp16":
        np.save(folder / "refine.npy", x.astype(np.float16))
        refine_bound = residual_bound(x, lambda c: c.astype(np.float16).astype(np.float32))
    elif refine == "int16":
        np.save(folder / "refine.npy", np.round(x * fine_scale).astype(np.int16))
        refine_bound = residual_bound(
            x, lambda c: np.round(c * fine_scale).astype(np.int16) / fine_scale
        )
    took = time.monotonic() - started
    span_lists = {
        (int(starts[t]), int(starts[t + 1])): t for t in range(nlist) if starts[t + 1] > starts[t]
    }

    def load() -> Searcher:
        base = faiss.read_index(str(folder / "index.faiss"), faiss.IO_FLAG_MMAP)
        ivf = base  # read_index returns the IVF itself (downcast)
        ivf.nprobe = nlist

        def search(query, count, span):
            keys = np.full((1, nlist), -1, dtype=np.int64)
            if span is None:
                keys[0] = np.arange(nlist)
            else:
                keys[0, 0] = span_lists[span]
            return ivf.search_preassigned(query, count, keys, None)

        first = faiss_scores(kind, scale, bound, search)
        if not refine:
            return first
        copy = np.load(folder / "refine.npy", mmap_mode="r")
        unscale = 1.0 if refine == "fp16" else 1.0 / fine_scale

        def score(q, span):
            products, approx = first.score(q, span)
            e = first.error(q)
            keep = products[approx >= approx[min(K, len(approx)) - 1] - 2 * e - FLOAT_SLACK]
            rows = (keep[:, None] * SLOTS + np.arange(SLOTS)).ravel()
            sims = copy[rows].astype(np.float32) @ (q * unscale)
            best = sims.reshape(-1, SLOTS).max(axis=1)
            order = np.argsort(-best, kind="stable")
            return keep[order], best[order]

        return Searcher(score, lambda q: refine_bound)

    return took, load


def build_usearch_exact(x: np.ndarray, folder: Path, kind: str):
    """USearch's exact search over the span's rows of a mapped matrix (no graph)."""
    from usearch.index import MetricKind, search

    scale = 127.0 / float(np.abs(x).max())
    took, load_numpy = build_numpy(x, folder, kind)

    def load() -> Searcher:
        matrix = np.load(folder / "vectors.npy", mmap_mode="r")
        bound = load_numpy().error(None)

        def prepared(q):
            if kind == "i8":
                rounded, factor, q_error = int8_query(q, scale)
                return rounded.astype(np.int8), factor, q_error
            return q.astype(matrix.dtype), 1.0, 0.0

        def error(q):
            return bound + prepared(q)[2] * (1 + bound)

        def lookup(q, count, span):
            lo, hi = span if span is not None else (0, len(matrix) // SLOTS)
            query, factor, _e = prepared(q)
            rows = matrix[lo * SLOTS : hi * SLOTS]
            found = search(rows, query, min(count, len(rows)), MetricKind.IP, exact=True, threads=1)
            return (1 - found.distances) * factor, found.keys.astype(np.int64) + lo * SLOTS

        return Searcher(deepening(lookup, error), error)

    return took, load


def build_usearch_index(x: np.ndarray, folder: Path, spans: dict, exact: bool, ef: int):
    """A USearch HNSW index (int8, multi-key) per filter, saved and viewed (mmap):
    its Python binding has no filtered search (the C++ predicate is not exposed)."""
    from usearch.index import Index

    scale = 127.0 / float(np.abs(x).max())
    # Built once for both ways of searching it (minutes), next to the method folders.
    folder = folder.parent / "usearch-indexes"
    folder.mkdir(exist_ok=True)
    started = time.monotonic()
    for name, span in spans.items():
        if (folder / f"{name}.usearch").exists():
            continue
        lo, hi = span if span is not None else (0, len(x) // SLOTS)
        index = Index(ndim=x.shape[1], metric="ip", dtype="i8", multi=True)
        rows = np.arange(lo * SLOTS, hi * SLOTS)
        index.add(rows.astype(np.uint64), np.round(x[rows] * scale).astype(np.int8), threads=2)
        index.save(str(folder / f"{name}.usearch"))
        print(
            f"usearch HNSW over {name}: {len(rows)} vectors in "
            f"{time.monotonic() - started:.0f} s (2 threads)",
            flush=True,
        )
    took = time.monotonic() - started
    bound = residual_bound(x, lambda c: np.round(c * scale).astype(np.int8) / scale)

    def load() -> Searcher:
        views = {name: Index.restore(str(folder / f"{name}.usearch"), view=True) for name in spans}
        for view in views.values():
            view.expansion_search = ef

        def error(q):
            return bound + int8_query(q, scale)[2] * (1 + bound)

        def lookup(q, count, span):
            name = next(n for n, s in spans.items() if s == span)
            query, factor, _e = int8_query(q, scale)
            found = views[name].search(query.astype(np.int8), count, exact=exact, threads=1)
            return (1 - found.distances) * factor, found.keys.astype(np.int64)

        return Searcher(deepening(lookup, error), error)

    return took, load


def folder_size(folder: Path) -> float:
    return sum(f.stat().st_size for f in folder.iterdir()) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data", default=os.path.join(os.environ.get("SHOP_DATA_DIR", "var"), "bench", "bench_44k")
    )
    parser.add_argument("--queries", type=int, default=50)
    parser.add_argument("--methods", default="all")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument(
        "--usearch-index",
        action="store_true",
        help="also build USearch HNSW indexes (minutes: 52 s for Tshirts' 226k rows)",
    )
    parser.add_argument("--scratch", default=None)
    args = parser.parse_args()
    import faiss

    faiss.omp_set_num_threads(args.threads)

    data = Path(args.data)
    types = np.load(data / "types.npy")
    order = np.lexsort((np.arange(len(types)), types))  # by type, then product id
    started = time.monotonic()
    x = np.load(data / "queries.npy", mmap_mode="r")
    x = np.ascontiguousarray(x[order]).reshape(-1, x.shape[-1])
    print(
        f"{len(types)} products, {len(x)} vectors: read and laid out by type in "
        f"{time.monotonic() - started:.0f} s"
    )
    counts = np.bincount(types, minlength=len(ARTICLE_TYPES))
    starts = np.concatenate([[0], np.cumsum(counts)])
    names = [t[0] for t in ARTICLE_TYPES]
    biggest, mid = int(np.argmax(counts)), names.index("Heels")
    span = {i: (int(starts[i]), int(starts[i + 1])) for i in (biggest, mid)}
    far = [i for i, t in enumerate(ARTICLE_TYPES) if t[1] != ARTICLE_TYPES[biggest][1]]
    shape, rng = Shape.build(), np.random.default_rng(7)

    def texts(pick: Callable[[], int]) -> np.ndarray:
        out = []
        for _ in range(args.queries):
            q, _pooled = shape.product_vectors(np.array([pick()]), rng)
            out.append(unit(q[0, rng.integers(SLOTS)] + TEXT_NOISE * _noise(rng, 1)[0]))
        return np.stack(out)

    weights = counts / counts.sum()
    cases = [
        Case("unfiltered", None, texts(lambda: int(rng.choice(len(counts), p=weights)))),
        Case(f"{names[biggest]} ({counts[biggest]})", span[biggest], texts(lambda: biggest)),
        Case(f"{names[mid]} ({counts[mid]})", span[mid], texts(lambda: mid)),
        Case(f"far words, {names[biggest]}", span[biggest], texts(lambda: int(rng.choice(far)))),
    ]
    truth = {}
    for case in cases:
        lo, hi = case.span if case.span is not None else (0, len(types))
        best = (x[lo * SLOTS : hi * SLOTS] @ case.queries.T).reshape(hi - lo, SLOTS, -1).max(1)
        truth[case.label] = [
            set((np.argsort(-col, kind="stable")[:K] + lo).tolist()) for col in best.T
        ]

    methods: dict[str, Callable] = {
        "numpy f32": lambda f: build_numpy(x, f, "f32"),
        "numpy int8 (chunks -> f32)": lambda f: build_numpy(x, f, "i8"),
        "numpy f16 (chunks -> f32)": lambda f: build_numpy(x, f, "f16"),
        "faiss FlatIP f32, range": lambda f: build_faiss(x, f, "flat", "range"),
        "faiss SQ8 (trained), range": lambda f: build_faiss(x, f, "sq8", "range"),
        "faiss SQ fp16, range": lambda f: build_faiss(x, f, "fp16", "range"),
        "faiss SQ int8 direct, range": lambda f: build_faiss(x, f, "int8", "range"),
        "faiss SQ int8 direct, bitmap": lambda f: build_faiss(x, f, "int8", "bitmap"),
        "faiss SQ int8 direct, batch": lambda f: build_faiss(x, f, "int8", "batch"),
        "faiss IVF by type, fp16": lambda f: build_faiss_ivf(x, f, "fp16", starts, None),
        "faiss IVF by type, int8 direct": lambda f: build_faiss_ivf(x, f, "int8", starts, None),
        "faiss IVF by type, int8 + fp16 refine": lambda f: build_faiss_ivf(
            x, f, "int8", starts, "fp16"
        ),
        "faiss IVF by type, int8 + int16 refine": lambda f: build_faiss_ivf(
            x, f, "int8", starts, "int16"
        ),
        "usearch exact_search f32": lambda f: build_usearch_exact(x, f, "f32"),
        "usearch exact_search f16": lambda f: build_usearch_exact(x, f, "f16"),
        "usearch exact_search i8": lambda f: build_usearch_exact(x, f, "i8"),
    }
    if args.usearch_index:
        spans = {"all": None, "biggest": span[biggest], "mid": span[mid]}
        methods["usearch Index i8, exact, view"] = lambda f: build_usearch_index(
            x, f, spans, True, 64
        )
        methods["usearch Index i8, HNSW ef 1024, view"] = lambda f: build_usearch_index(
            x, f, spans, False, 1024
        )
    chosen = list(methods) if args.methods == "all" else args.methods.split(";")
    scratch = Path(args.scratch or tempfile.mkdtemp(prefix="accelerator_options_"))
    load = os.getloadavg()[0]
    print(
        f"{args.queries} queries a case, k={K}, {args.threads} thread(s) a search; "
        f"load average {load:.1f} at start; scratch {scratch}"
    )
    print(
        f"{'method':<38} {'case':<22} {'p50 ms':>7} {'p95 ms':>7} {'recall':>6} "
        f"{'cand p50/p95':>12}"
    )
    for name in chosen:
        folder = scratch / name.replace(" ", "_").replace(",", "").replace("/", "")
        folder.mkdir(parents=True, exist_ok=True)
        try:
            took, loader = methods[name](folder)
        except ImportError as error:  # USearch is the bench's, not the shop's
            print(f"{name:<38} skipped: {error} (pip install usearch)")
            continue
        before = rss()
        searcher = loader()
        for case in cases:
            times, recalls, cands = [], [], []
            for n, q in enumerate(case.queries):
                t = time.perf_counter()
                products, scores = searcher.score(q, case.span)
                times.append((time.perf_counter() - t) * 1000)
                recalls.append(len(set(products[:K].tolist()) & truth[case.label][n]) / K)
                cands.append(certified(products, scores, searcher.error(q)))
            print(
                f"{name:<38} {case.label:<22} {statistics.median(times):7.2f} "
                f"{percentile(times, 0.95):7.2f} {np.mean(recalls):6.3f} "
                f"{statistics.median(cands):5.0f}/{percentile(cands, 0.95):<6.0f}",
                flush=True,
            )
        after = rss()
        shared = scratch / "usearch-indexes"
        if name.startswith("usearch Index") and shared.exists():
            folder = shared
        print(
            f"{name:<38} file {folder_size(folder):,.0f} MB, built in {took:.1f} s; "
            f"RssAnon +{after[0] - before[0]} MB, RssFile +{after[1] - before[1]} MB",
            flush=True,
        )
        del searcher
        if folder != scratch / "usearch-indexes":
            shutil.rmtree(folder)
    shutil.rmtree(scratch / "usearch-indexes", ignore_errors=True)
    print(f"load average {os.getloadavg()[0]:.1f} at the end; {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
