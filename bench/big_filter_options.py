"""Text search filtered to a big article type: what each in-database design costs.

    SHOP_DB_NAME=bench_44k .venv/bin/python bench/synthetic_catalog.py          # once
    SHOP_DB_NAME=bench_44k .venv/bin/python bench/big_filter_options.py \\
        [--type Tshirts] [--queries 40] [--m 16 --ef-construction 64]

The shop answers a text search filtered to a big type (Tshirts: 7,070 products, 226k
query vectors at 44k) with an exact ITC scan (``vector_search.exact_scores``). This
bench measures the alternatives on the same rows, each followed by the shop's exact
rescore of the candidate products, for words near the type and words far from it
(another master category), with recall@10 against exact ITC computed in numpy:

- the shop's exact scan over the type's ids (the baseline: recall 1.0);
- exhaustive scans of a narrow copy of the type's rows (product id, slot, vector):
  ``halfvec`` (the first 64 rows rescored) and ``bit`` by Hamming distance (the
  first 2,000 rows rescored), one process and with two parallel workers;
- an IVFFlat index with one list, so the scan runs inside the index (exhaustive);
- a partial HNSW over the type's rows (``--m``/``--ef-construction``; the shop's
  own indexes use 16/64) at ef_search 200, 400 and 800, the first 64 rows rescored;
- two cheaper proxies, in numpy only (recall, no timing): the pooled vector, one
  per product, and the 8 query slots whose mean is nearest the words.

The scratch tables live in the schema ``bench_scratch`` and are dropped at the end.
Prints figures; asserts nothing. Run it alone on an idle machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
# The scale bench puts the project on the path and sets Django up as it is imported.
from vector_search_scale import TEXT_NOISE, percentile  # noqa: E402, I001

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from kaggle_shape import ARTICLE_TYPES  # noqa: E402
from synthetic_catalog import Shape, _noise, data_dir, unit  # noqa: E402

from shop.search import vector_search  # noqa: E402
from shop.search.vector_search import VectorQuery, vector_literal  # noqa: E402

K = 10
SCRATCH = "bench_scratch"
SERIAL = ["SET LOCAL max_parallel_workers_per_gather = 0"]
PARALLEL = [
    "SET LOCAL max_parallel_workers_per_gather = 2",
    "SET LOCAL parallel_setup_cost = 0",
    "SET LOCAL parallel_tuple_cost = 0",
    "SET LOCAL min_parallel_table_scan_size = 0",
]


def execute(*statements: str) -> None:
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def build_scratch(category: str, m: int, ef_construction: int) -> dict[str, float]:
    """The type's rows copied narrow, and the indexes; seconds each build took."""
    took = {}
    started = time.monotonic()
    execute(
        f"DROP SCHEMA IF EXISTS {SCRATCH} CASCADE",
        f"CREATE SCHEMA {SCRATCH}",
        f"CREATE TABLE {SCRATCH}.rows AS SELECT qe.product_id::int4 AS product_id, "
        "qe.query_index::int2 AS slot, qe.embedding, qe.embedding::halfvec(256) AS half, "
        "binary_quantize(qe.embedding)::bit(256) AS bits "
        "FROM catalog_productqueryembedding qe JOIN catalog_product p ON p.id = qe.product_id "
        "JOIN catalog_category c ON c.id = p.category_id "
        f"WHERE c.name = '{category}' ORDER BY qe.product_id, qe.query_index",
        f"CREATE TABLE {SCRATCH}.half AS SELECT product_id, slot, half FROM {SCRATCH}.rows",
        f"CREATE TABLE {SCRATCH}.bits AS SELECT product_id, slot, bits FROM {SCRATCH}.rows",
        f"VACUUM ANALYZE {SCRATCH}.half",
        f"VACUUM ANALYZE {SCRATCH}.bits",
    )
    took["copies"] = time.monotonic() - started
    memory = "SET maintenance_work_mem = '2GB'"
    started = time.monotonic()
    execute(
        memory,
        f"CREATE INDEX half_ivf ON {SCRATCH}.half USING ivfflat (half halfvec_ip_ops) "
        "WITH (lists = 1)",
    )
    took["ivfflat"] = time.monotonic() - started
    started = time.monotonic()
    execute(
        memory,
        "SET max_parallel_maintenance_workers = 1",
        f"CREATE INDEX rows_hnsw ON {SCRATCH}.rows USING hnsw (embedding vector_cosine_ops) "
        f"WITH (m = {int(m)}, ef_construction = {int(ef_construction)})",
        f"VACUUM ANALYZE {SCRATCH}.rows",
    )
    took["hnsw"] = time.monotonic() - started
    return took


def candidates(sql: str, vector: np.ndarray, setup: list[str]) -> list[int]:
    """A design's candidate products. Its settings are SET LOCAL in a transaction of
    its own, so they never reach the exact rescore or the next design."""
    with transaction.atomic(), connection.cursor() as cursor:
        for statement in setup:
            cursor.execute(statement)
        cursor.execute(sql, {"v": vector_literal(vector)})
        return [row[0] for row in cursor.fetchall()]


def rescored(products: list[int], vector: np.ndarray) -> list[int]:
    """The shop's exact ITC over the candidate products."""
    ranked = vector_search.exact_scores(
        VectorQuery(text=vector), product_ids=sorted(set(products)), limit=K
    )
    return [pk for pk, _ in ranked]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--type", default="Tshirts")
    parser.add_argument("--queries", type=int, default=40)
    parser.add_argument("--m", type=int, default=16)
    parser.add_argument("--ef-construction", type=int, default=64)
    args = parser.parse_args()

    database = settings.DATABASES["default"]["NAME"]
    folder = data_dir(database)
    types = np.load(folder / "types.npy")
    names = [t[0] for t in ARTICLE_TYPES]
    target = names.index(args.type)
    rows = np.flatnonzero(types == target)
    vectors = np.asarray(np.load(folder / "queries.npy", mmap_mode="r")[rows])  # (n, 32, d)
    pooled = np.load(folder / "pooled.npy")[rows]
    slot_means = vectors.mean(axis=0)
    ids = (rows + 1).tolist()  # the generator's product id = row + 1

    shape = Shape.build()
    rng = np.random.default_rng(11)
    far = [i for i, t in enumerate(ARTICLE_TYPES) if t[1] != ARTICLE_TYPES[target][1]]

    def words(type_index: int) -> np.ndarray:
        q, _ = shape.product_vectors(np.array([type_index]), rng)
        return unit(q[0, rng.integers(32)] + TEXT_NOISE * _noise(rng, 1)[0])

    kinds = {
        "near": [words(target) for _ in range(args.queries)],
        "far": [words(int(rng.choice(far))) for _ in range(args.queries)],
    }
    truth = {
        kind: [set((rows[np.argsort(-(vectors @ t).max(1))[:K]] + 1).tolist()) for t in texts]
        for kind, texts in kinds.items()
    }
    load = os.getloadavg()[0]
    print(
        f"{database}: {args.type}, {len(rows)} products, {len(rows) * 32} query vectors; "
        f"{args.queries} queries a kind; load average {load:.1f} at start"
    )
    took = build_scratch(args.type, args.m, args.ef_construction)
    print(
        "scratch built: copies {copies:.0f} s, IVFFlat {ivfflat:.0f} s, ".format(**took)
        + f"HNSW (m {args.m}, ef_construction {args.ef_construction}) {took['hnsw']:.0f} s"
    )

    methods: list[tuple[str, Callable[[np.ndarray], list[int]]]] = [
        ("shop: exact scan of the type", lambda t: rescored(ids, t)),
    ]
    scans = [
        ("halfvec exhaustive, 64 rows", "half ORDER BY half <#> %(v)s::halfvec LIMIT 64"),
        (
            "bit Hamming exhaustive, 2000 rows",
            "bits ORDER BY bits <~> binary_quantize(%(v)s::vector) LIMIT 2000",
        ),
    ]
    for label, tail in scans:
        for mode, setup in (("1 process", SERIAL), ("2 workers", PARALLEL)):
            sql = f"SELECT product_id FROM {SCRATCH}.{tail}"
            methods.append(
                (f"{label}, {mode}", lambda t, s=sql, u=setup: rescored(candidates(s, t, u), t))
            )
    ivf = f"SELECT product_id FROM {SCRATCH}.half ORDER BY half <#> %(v)s::halfvec LIMIT 64"
    ivf_setup = [*SERIAL, "SET LOCAL ivfflat.probes = 1", "SET LOCAL enable_seqscan = off"]
    methods.append(
        ("IVFFlat, 1 list, 64 rows", lambda t: rescored(candidates(ivf, t, ivf_setup), t))
    )
    hnsw = f"SELECT product_id FROM {SCRATCH}.rows ORDER BY embedding <=> %(v)s LIMIT 64"
    for ef in (200, 400, 800):
        setup = [*SERIAL, f"SET LOCAL hnsw.ef_search = {ef}"]
        methods.append(
            (
                f"partial HNSW m {args.m}, ef_search {ef}, 64 rows",
                lambda t, u=setup: rescored(candidates(hnsw, t, u), t),
            )
        )

    header = f"{'method (then exact rescore)':<46} {'kind':<5}"
    print(f"{header} {'p50 ms':>7} {'p95 ms':>7} {'recall':>7}")
    for label, method in methods:
        for kind, texts in kinds.items():
            method(texts[0])  # warm the pages this method reads
            times, recalls = [], []
            for text, exact in zip(texts, truth[kind], strict=True):
                started = time.perf_counter()
                got = method(text)
                times.append((time.perf_counter() - started) * 1000)
                recalls.append(len(set(got) & exact) / K)
            print(
                f"{label:<46} {kind:<5} {statistics.median(times):7.1f} "
                f"{percentile(times, 0.95):7.1f} {np.mean(recalls):7.3f}",
                flush=True,
            )

    print("proxies in numpy (recall@10 of their own top 10; no database):")
    for kind, texts in kinds.items():
        pooled_recall, slot_recall = [], []
        for text, exact in zip(texts, truth[kind], strict=True):
            scores = vectors @ text  # (n, 32)
            by_pooled = set((rows[np.argsort(-(pooled @ text))[:K]] + 1).tolist())
            nearest_slots = np.argsort(-(slot_means @ text))[:8]
            by_slots = np.argsort(-scores[:, nearest_slots].max(1))[:K]
            pooled_recall.append(len(by_pooled & exact) / K)
            slot_recall.append(len(set((rows[by_slots] + 1).tolist()) & exact) / K)
        print(
            f"  {kind}: pooled vector {np.mean(pooled_recall):.3f}; "
            f"8 nearest slots of 32 {np.mean(slot_recall):.3f}"
        )
    execute(f"DROP SCHEMA {SCRATCH} CASCADE")
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
