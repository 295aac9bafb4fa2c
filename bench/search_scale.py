"""Vector search at catalog scale: exact vs HNSW-candidate latency and recall.

Builds a synthetic catalog (clustered unit vectors shaped like BLIP-2's: 32 query
vectors + 1 pooled vector per product, 256-d) in a separate database, then measures
for text-style (max over 32) queries:
  - exact scan latency, unfiltered and under a category filter,
  - the HNSW-candidate path (what unfiltered search uses above
    SHOP_SEARCH_EXACT_MAX_PRODUCTS) latency and recall@10 against exact,
  - that filtered queries return k rows whenever k match.

    SHOP_DB_NAME=bench_shop .venv/bin/python bench/search_scale.py --products 10000

Prints figures; asserts nothing. Re-running with the same size reuses the data.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")
# Settings default to production (DEBUG off); benchmarks run as `make run` does.
os.environ.setdefault("DEBUG", "true")
if os.environ.get("SHOP_DB_NAME", "shop") == "shop":
    sys.exit("Set SHOP_DB_NAME to a scratch database (e.g. bench_shop): this fills it.")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

from shop.catalog import selectors, vector_search  # noqa: E402
from shop.catalog.models import Category, Product, ProductQueryEmbedding  # noqa: E402

MODEL = "bench-synthetic"
DIM = 256
CATEGORIES = 40


def unit(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=-1, keepdims=True)).astype(np.float32)


def build(n: int, rng: np.random.Generator) -> None:
    call_command("migrate", verbosity=0)
    if Product.objects.filter(embedding_model=MODEL).count() == n:
        print(f"reusing {n} synthetic products")
        return
    ProductQueryEmbedding.objects.all().delete()
    Product.objects.all().delete()
    Category.objects.all().delete()
    categories = [
        Category.objects.create(name=f"Type {i}", slug=f"type-{i}") for i in range(CATEGORIES)
    ]
    centroids = unit(rng.normal(size=(300, DIM)))
    started = time.monotonic()
    # Bulk load without the HNSW indexes (maintaining them row by row is ~10x slower),
    # then build them once, as a real import of a big catalog would.
    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX IF EXISTS product_embedding_hnsw")
        cursor.execute("DROP INDEX IF EXISTS query_embedding_hnsw")
    batch = 2000
    for start in range(0, n, batch):
        size = min(batch, n - start)
        centre = centroids[rng.integers(0, len(centroids), size)]
        queries = unit(centre[:, None, :] + 0.9 * rng.normal(size=(size, 32, DIM)) / np.sqrt(DIM))
        pooled = unit(queries.mean(axis=1))
        products = Product.objects.bulk_create(
            Product(
                external_id=f"syn-{start + i}",
                name=f"Synthetic product {start + i}",
                category=categories[int(rng.integers(0, CATEGORIES))],
                embedding=pooled[i],
                embedding_model=MODEL,
            )
            for i in range(size)
        )
        with (
            connection.cursor() as cursor,
            cursor.copy(
                "COPY catalog_productqueryembedding (product_id, query_index, embedding) FROM STDIN"
            ) as copy,
        ):
            for product, vectors in zip(products, queries, strict=True):
                for q, vector in enumerate(vectors):
                    copy.write_row((product.pk, q, vector_search.vector_literal(vector)))
        print(f"  {start + size}/{n} products ({time.monotonic() - started:.0f} s)", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '2GB'")
        for index, table in (
            ("product_embedding_hnsw", "catalog_product"),
            ("query_embedding_hnsw", "catalog_productqueryembedding"),
        ):
            cursor.execute(
                f"CREATE INDEX {index} ON {table} USING hnsw (embedding vector_cosine_ops) "
                "WITH (m = 16, ef_construction = 64)"
            )
            print(f"  built {index} ({time.monotonic() - started:.0f} s)", flush=True)
        cursor.execute("ANALYZE catalog_product")
        cursor.execute("ANALYZE catalog_productqueryembedding")
    print(f"built {n} products x 32 vectors in {time.monotonic() - started:.0f} s")


def timed(fn, repeat: int) -> tuple[list[float], object]:
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - t) * 1000)
    return times, result


def summary(label: str, times: list[float]) -> None:
    times = sorted(times)
    p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
    print(f"{label:<44} p50 {statistics.median(times):7.1f} ms   p95 {p95:7.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--products", type=int, default=10000)
    parser.add_argument("--queries", type=int, default=30)
    args = parser.parse_args()
    rng = np.random.default_rng(42)
    build(args.products, rng)
    queries = unit(rng.normal(size=(args.queries, DIM)))
    # Queries near the data (as real text queries are) rather than uniform noise.
    sample = np.array(
        [
            np.asarray(e)
            for e in ProductQueryEmbedding.objects.order_by("?").values_list(
                "embedding", flat=True
            )[: args.queries]
        ]
    )
    queries = unit(sample + 0.5 * queries / np.sqrt(DIM))

    exact_times, ann_times, filtered_times, recalls, short = [], [], [], [], 0
    for vector in queries:
        with override_settings(SHOP_SEARCH_EXACT_MAX_PRODUCTS=10**9):
            t, exact = timed(
                lambda v=vector: selectors.product_vector_ranking(
                    text_embedding=v, model_id=MODEL, limit=10
                ),
                1,
            )
        exact_times += t
        with override_settings(SHOP_SEARCH_EXACT_MAX_PRODUCTS=0):
            t, approx = timed(
                lambda v=vector: selectors.product_vector_ranking(
                    text_embedding=v, model_id=MODEL, limit=10
                ),
                1,
            )
        ann_times += t
        recalls.append(len({p for p, _ in exact} & {p for p, _ in approx}) / 10)
        category = f"type-{int(rng.integers(0, CATEGORIES))}"
        t, filtered = timed(
            lambda v=vector, c=category: selectors.product_vector_ranking(
                text_embedding=v,
                model_id=MODEL,
                limit=10,
                filters=selectors.ProductFilters(category=(c,)),
            ),
            1,
        )
        filtered_times += t
        short += len(filtered) < 10
    n = Product.objects.count()
    print(f"\n{n} products, {n * 32} query vectors, {len(queries)} queries, k=10")
    summary("exact ITC scan, unfiltered", exact_times)
    summary("HNSW candidates + exact rescore, unfiltered", ann_times)
    summary(f"exact ITC scan, one category of {CATEGORIES}", filtered_times)
    print(f"HNSW path recall@10 vs exact: mean {np.mean(recalls):.3f}, min {min(recalls):.2f}")
    print(f"filtered queries that came back short of k: {short} of {len(queries)}")


if __name__ == "__main__":
    main()
