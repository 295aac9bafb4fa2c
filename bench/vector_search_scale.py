"""Vector search at the Kaggle catalog's scale: latency, recall@10, k rows, the tutorial's store.

    SHOP_DB_NAME=bench_44k .venv/bin/python bench/synthetic_catalog.py            # once
    SHOP_DB_NAME=bench_44k .venv/bin/python bench/vector_search_scale.py [--queries 100]

Runs the shop's own ``product_vector_ranking`` for text (ITC, max over 32), photo
(pooled cosine) and photo + text, unfiltered, filtered to the biggest type (Tshirts),
a mid type (Heels, ~3%), a type of ~20 products, and cross-category (the words or
photo near a type of another master category while filtering to Tshirts). Each query
is new: a fresh product of the target type is drawn from the generator; the text is
one of its 32 query vectors plus noise, the photo its pooled vector.

Prints per case p50/p95 of the selector's wall time (one database round trip or a
few; Python's share included), recall@10 against an exact numpy brute force over the
generator's vectors, and how many queries came back with fewer than k rows although
k matched. Then the same cases against the tutorial's store: LangChain ``PGVector``'s
tables and SQL (one mean-pooled vector per product, metadata filter through
``jsonb_path_match``, no vector index: an exact scan), simulated here in the same
database rather than installing ``langchain-postgres``. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")
# Settings default to production (DEBUG off); benchmarks run as `make run` does.
os.environ.setdefault("DEBUG", "true")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from kaggle_shape import ARTICLE_TYPES  # noqa: E402
from synthetic_catalog import MODEL, Shape, _noise, data_dir, unit  # noqa: E402

from shop.search import selectors, vector_search  # noqa: E402

TEXT_NOISE = 0.8
COLLECTION = "00000000-0000-0000-0000-000000000001"
K = 10


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class Truth:
    """Exact brute force over the generator's vectors (what the database holds)."""

    def __init__(self, folder: Path) -> None:
        self.types = np.load(folder / "types.npy")
        self.pooled = np.load(folder / "pooled.npy")
        self.queries = np.load(folder / "queries.npy", mmap_mode="r")

    def top(self, texts, images, weight: float, type_index: int | None, k: int) -> list[list[int]]:
        """Exact top-k product ids for each query (rows of ``texts`` / ``images``)."""
        rows = (
            np.arange(len(self.types))
            if type_index is None
            else np.flatnonzero(self.types == type_index)
        )
        n = len(texts if texts is not None else images)
        score = np.zeros((len(rows), n), dtype=np.float32)
        w_text = weight if images is not None else 1.0
        if texts is not None:
            for start in range(0, len(rows), 4096):
                chunk = rows[start : start + 4096]
                itc = (np.asarray(self.queries[chunk]) @ texts.T).max(axis=1)
                score[start : start + len(chunk)] += w_text * itc
        if images is not None:
            score += (1.0 - w_text if texts is not None else 1.0) * (self.pooled[rows] @ images.T)
        best = np.argsort(-score, axis=0, kind="stable")[:k]
        return [[int(rows[i]) + 1 for i in best[:, j]] for j in range(n)]  # id = row + 1


def tutorial_store_setup() -> None:
    """LangChain PGVector's two tables, filled with one mean-pooled vector per product."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('langchain_pg_embedding') IS NOT NULL")
        if cursor.fetchone()[0]:
            return
        cursor.execute(
            "CREATE TABLE langchain_pg_collection (uuid uuid PRIMARY KEY, "
            "name varchar NOT NULL UNIQUE, cmetadata json)"
        )
        cursor.execute(
            "CREATE TABLE langchain_pg_embedding (id varchar PRIMARY KEY, collection_id uuid "
            "REFERENCES langchain_pg_collection (uuid) ON DELETE CASCADE, embedding vector, "
            "document varchar, cmetadata jsonb)"
        )
        cursor.execute(
            "CREATE INDEX ix_cmetadata_gin ON langchain_pg_embedding "
            "USING gin (cmetadata jsonb_path_ops)"
        )
        cursor.execute(
            "INSERT INTO langchain_pg_collection VALUES "
            "('00000000-0000-0000-0000-000000000001', 'products', '{}')"
        )
        cursor.execute(
            "INSERT INTO langchain_pg_embedding "
            "SELECT gen_random_uuid()::text, '00000000-0000-0000-0000-000000000001', "
            "p.embedding, p.name, jsonb_build_object('id', p.id, 'articleType', c.name, "
            "'masterCategory', c.master_category, 'subCategory', c.sub_category) "
            "FROM catalog_product p JOIN catalog_category c ON c.id = p.category_id"
        )
        cursor.execute("VACUUM ANALYZE langchain_pg_embedding")


def tutorial_store_search(vector: np.ndarray, article_type: str | None, k: int) -> list[int]:
    """The SQL langchain-postgres's PGVector.similarity_search_with_score issues."""
    where, params = "", []
    if article_type is not None:
        where = (
            "AND jsonb_path_match(langchain_pg_embedding.cmetadata, "
            "CAST('$.articleType == $value' AS JSONPATH), CAST(%s AS JSONB)) "
        )
        params = [json.dumps({"value": article_type})]
    literal = vector_search.vector_literal(vector)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT langchain_pg_embedding.id, langchain_pg_embedding.collection_id, "
            "langchain_pg_embedding.embedding, langchain_pg_embedding.document, "
            "langchain_pg_embedding.cmetadata, "
            "langchain_pg_embedding.embedding <=> %s::vector AS distance "
            "FROM langchain_pg_embedding JOIN langchain_pg_collection "
            "ON langchain_pg_embedding.collection_id = langchain_pg_collection.uuid "
            "WHERE langchain_pg_embedding.collection_id = "
            f"'{COLLECTION}'::uuid {where}ORDER BY distance ASC LIMIT %s",
            [literal, *params, k],
        )
        return [json.loads(row[4])["id"] for row in cursor.fetchall()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--modes", default="text,photo,photo+text")
    parser.add_argument("--no-tutorial", action="store_true")
    args = parser.parse_args()

    database = settings.DATABASES["default"]["NAME"]
    truth = Truth(data_dir(database))
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM catalog_product WHERE embedding_model = %s", [MODEL])
        stored = cursor.fetchone()[0]
    if stored != len(truth.types):
        sys.exit(f"{database} holds {stored} products, the saved vectors {len(truth.types)}")
    if not args.no_tutorial:
        tutorial_store_setup()
    shape = Shape.build()
    counts = np.bincount(truth.types, minlength=len(ARTICLE_TYPES))
    names = [t[0] for t in ARTICLE_TYPES]
    biggest = int(np.argmax(counts))
    mid = names.index("Heels")
    small = int(np.argmin(np.abs(counts - 20) + (counts < 15) * 1000))
    far = [i for i, t in enumerate(ARTICLE_TYPES) if t[1] != ARTICLE_TYPES[biggest][1]]
    weights = counts / counts.sum()
    rng = np.random.default_rng(7)

    def draw(type_index: int) -> tuple[np.ndarray, np.ndarray]:
        q, pooled = shape.product_vectors(np.array([type_index]), rng)
        text = unit(q[0, rng.integers(32)] + TEXT_NOISE * _noise(rng, 1)[0])
        return text, pooled[0]

    cases = [
        ("unfiltered", None, lambda: int(rng.choice(len(counts), p=weights))),
        (f"{names[biggest]} ({counts[biggest]})", biggest, lambda: biggest),
        (f"{names[mid]} ({counts[mid]})", mid, lambda: mid),
        (f"{names[small]} ({counts[small]})", small, lambda: small),
        (f"cross: far words, {names[biggest]}", biggest, lambda: int(rng.choice(far))),
    ]
    load = os.getloadavg()
    print(
        f"{database}: {stored} products, {stored * 32} query vectors; {args.queries} queries "
        f"per case, k={K}; load average {load[0]:.1f} at start"
    )
    print(
        f"{'case':<44} {'p50 ms':>7} {'p95 ms':>7} {'recall':>7} {'short':>5}"
        f" | {'tutorial p50':>12} {'p95':>6} {'recall':>6} | {'x p50':>5}"
    )
    for mode in args.modes.split(","):
        for label, filter_type, target in cases:
            filters = (
                selectors.ProductFilters(category=(names[filter_type],))
                if filter_type is not None
                else None
            )
            times, tutorial_times, results, tutorial_results, asked = [], [], [], [], []
            for n in range(args.warmup + args.queries):
                text, image = draw(target())
                text = text if mode != "photo" else None
                image = image if mode != "text" else None
                t = time.perf_counter()
                ranked = selectors.product_vector_ranking(
                    text_embedding=text,
                    image_embedding=image,
                    model_id=MODEL,
                    filters=filters,
                    limit=K,
                )
                elapsed = (time.perf_counter() - t) * 1000
                tutorial_ids: list[int] = []
                if not args.no_tutorial:
                    single = unit(sum(v for v in (text, image) if v is not None))
                    t = time.perf_counter()
                    tutorial_ids = tutorial_store_search(
                        single, names[filter_type] if filter_type is not None else None, K
                    )
                    tutorial_elapsed = (time.perf_counter() - t) * 1000
                if n < args.warmup:
                    continue
                times.append(elapsed)
                results.append([pk for pk, _ in ranked])
                asked.append((text, image))
                if not args.no_tutorial:
                    tutorial_times.append(tutorial_elapsed)
                    tutorial_results.append(tutorial_ids)
            texts = np.stack([t for t, _ in asked]) if mode != "photo" else None
            images = np.stack([i for _, i in asked]) if mode != "text" else None
            exact = truth.top(texts, images, 0.5, filter_type, K)
            recalls = [len(set(r) & set(e)) / K for r, e in zip(results, exact, strict=True)]
            short = sum(len(r) < len(e) for r, e in zip(results, exact, strict=True))
            tutorial_recalls = [
                len(set(r) & set(e)) / K for r, e in zip(tutorial_results, exact, strict=False)
            ]
            p50 = statistics.median(times)
            line = (
                f"{mode + ', ' + label:<44} {p50:7.1f} {percentile(times, 0.95):7.1f} "
                f"{np.mean(recalls):7.3f} {short:5d}"
            )
            if tutorial_times:
                t50 = statistics.median(tutorial_times)
                line += (
                    f" | {t50:12.1f} {percentile(tutorial_times, 0.95):6.1f} "
                    f"{np.mean(tutorial_recalls):6.3f} | {t50 / p50:5.1f}"
                )
            print(line, flush=True)
    load = os.getloadavg()
    print(f"load average {load[0]:.1f} at the end; {subprocess.getoutput('nproc')} cores")


if __name__ == "__main__":
    main()
