"""A synthetic catalog of the Kaggle shape, loaded into a bench database.

    SHOP_DB_NAME=bench_44k .venv/bin/python bench/synthetic_catalog.py [--scale 2.25]

Products follow the real article-type counts (bench/kaggle_shape.py: 44,446 products,
143 types, Tshirts 7,070 ... 36 types under 10); ``--scale`` multiplies every count
(2.25 gives ~100k). Each product gets 32 unit "query embeddings" (256-d, like BLIP-2's
Q-Former outputs) and their renormalised mean, built from a hierarchy of clusters:

    master centre -> sub-category centre -> article-type centre -> product base
    query vector i = unit(product base + 0.5 * query direction i + 0.8 * noise)

The 32 query directions are shared by all products (BLIP-2's learned queries each
look for something), so a product's 32 vectors differ from each other about as much
as products of one type differ. Everything is drawn from one seed, so the bench can
regenerate queries near any type (``Shape.product_vectors``).

Rows go in with binary COPY (the query-vector table is ~1.5 GB at 44k) with the HNSW
indexes dropped, which are then built once with a large ``maintenance_work_mem``. The
vectors are also saved as .npy next to the database, for the bench's exact brute force.
Refuses to run against the dev or test database.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")
# Settings default to production (DEBUG off); benchmarks run as `make run` does.
os.environ.setdefault("DEBUG", "true")

from kaggle_shape import ARTICLE_TYPES  # noqa: E402

DIM = 256
QUERIES = 32
MODEL = "bench-synthetic"
SEED = 20260301
PRODUCT_SPREAD = 1.0
QUERY_DIRECTION = 0.5
QUERY_NOISE = 0.8
BATCH = 2000
# The columns the Myntra style records fill (age group ... style hash), empty.
EMPTY_STYLE_RECORD = ("", "{}", "", "", "", "", "{}", "")


def unit(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=-1, keepdims=True)).astype(np.float32)


def _noise(rng: np.random.Generator, *shape: int) -> np.ndarray:
    return rng.standard_normal(size=(*shape, DIM), dtype=np.float32) / np.sqrt(DIM)


@dataclass
class Shape:
    """The cluster centres and query directions; the same for every scale."""

    type_centres: np.ndarray  # (143, DIM), in ARTICLE_TYPES order
    query_directions: np.ndarray  # (32, DIM)

    @classmethod
    def build(cls, seed: int = SEED) -> Shape:
        rng = np.random.default_rng(seed)
        masters = sorted({t[1] for t in ARTICLE_TYPES})
        subs = sorted({(t[1], t[2]) for t in ARTICLE_TYPES})
        master_centre = dict(zip(masters, unit(_noise(rng, len(masters))), strict=True))
        sub_centre = {key: unit(master_centre[key[0]] + 0.8 * _noise(rng, 1)[0]) for key in subs}
        types = np.stack(
            [
                unit(sub_centre[(master, sub)] + 0.7 * _noise(rng, 1)[0])
                for _name, master, sub, _n in ARTICLE_TYPES
            ]
        )
        return cls(type_centres=types, query_directions=unit(_noise(rng, QUERIES)))

    def product_vectors(
        self, type_index: np.ndarray, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        """(query vectors (n, 32, DIM), pooled (n, DIM)) for new products of these types."""
        n = len(type_index)
        base = unit(self.type_centres[type_index] + PRODUCT_SPREAD * _noise(rng, n))
        queries = unit(
            base[:, None, :]
            + QUERY_DIRECTION * self.query_directions[None]
            + QUERY_NOISE * _noise(rng, n, QUERIES)
        )
        return queries, unit(queries.mean(axis=1))


def type_counts(scale: float) -> list[int]:
    return [max(1, round(n * scale)) for _name, _m, _s, n in ARTICLE_TYPES]


def data_dir(database: str) -> Path:
    from django.conf import settings

    return Path(settings.SHOP_DATA_DIR) / "bench" / database


def _copy_binary_header() -> bytes:
    return b"PGCOPY\n\xff\r\n\x00" + np.array([0, 0], dtype=">i4").tobytes()


def _query_rows(product_ids: np.ndarray, vectors: np.ndarray) -> bytes:
    """Binary COPY rows (product_id, query_index, embedding) for pgvector's wire format."""
    n = len(product_ids)
    row = np.dtype(
        [
            ("fields", ">i2"),
            ("len_pid", ">i4"),
            ("pid", ">i8"),
            ("len_q", ">i4"),
            ("q", ">i2"),
            ("len_vec", ">i4"),
            ("dim", ">i2"),
            ("unused", ">i2"),
            ("vec", ">f4", (DIM,)),
        ]
    )
    rows = np.zeros(n * QUERIES, dtype=row)
    rows["fields"] = 3
    rows["len_pid"] = 8
    rows["pid"] = np.repeat(product_ids, QUERIES)
    rows["len_q"] = 2
    rows["q"] = np.tile(np.arange(QUERIES), n)
    rows["len_vec"] = 4 + 4 * DIM
    rows["dim"] = DIM
    rows["vec"] = vectors.reshape(-1, DIM)
    return rows.tobytes()


def _literal(vector: np.ndarray) -> str:
    return "[" + ",".join(f"{x:.6g}" for x in vector.tolist()) + "]"


def build(scale: float) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from shop.catalog.models import Category

    database = settings.DATABASES["default"]["NAME"]
    if not database.startswith("bench"):
        sys.exit(f"Refusing to fill {database!r}: set SHOP_DB_NAME to a bench_* database.")
    started = time.monotonic()
    call_command("migrate", verbosity=0)
    shape = Shape.build()
    counts = type_counts(scale)
    total = sum(counts)
    out = data_dir(database)
    out.mkdir(parents=True, exist_ok=True)
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE catalog_productqueryembedding, catalog_product, catalog_category CASCADE"
        )
        cursor.execute("DROP INDEX IF EXISTS product_embedding_hnsw")
        cursor.execute("DROP INDEX IF EXISTS query_embedding_hnsw")
    Category.objects.bulk_create(
        Category(id=i + 1, name=name, slug=f"type-{i + 1}", master_category=m, sub_category=s)
        for i, (name, m, s, _n) in enumerate(ARTICLE_TYPES)
    )
    # Products in a shuffled order, as a catalog imported over years would be.
    rng = np.random.default_rng(SEED + int(scale * 1000))
    type_of = rng.permutation(np.repeat(np.arange(len(counts)), counts))
    queries = np.lib.format.open_memmap(
        out / "queries.npy", mode="w+", dtype=np.float32, shape=(total, QUERIES, DIM)
    )
    pooled = np.zeros((total, DIM), dtype=np.float32)
    np.save(out / "types.npy", type_of)
    for start in range(0, total, BATCH):
        stop = min(total, start + BATCH)
        q, p = shape.product_vectors(type_of[start:stop], rng)
        queries[start:stop], pooled[start:stop] = q, p
        ids = np.arange(start + 1, stop + 1, dtype=np.int64)
        with connection.cursor() as cursor:
            with cursor.copy(
                "COPY catalog_product (id, external_id, name, category_id, gender, "
                "base_colour, season, usage, is_active, image, thumbnail, image_sha256, "
                "embedding, embedding_model, embedded_at, created_at, updated_at, age_group, "
                "attributes, description, materials_care, size_fit, style_note, "
                "imported_values, style_sha256) FROM STDIN"
            ) as copy:
                for i, pid in enumerate(ids.tolist()):
                    t = int(type_of[start + i])
                    copy.write_row(
                        (
                            pid,
                            f"syn-{pid}",
                            f"Synthetic {ARTICLE_TYPES[t][0]} {pid}",
                            t + 1,
                            "",
                            "",
                            "",
                            "",
                            True,
                            "",
                            "",
                            "",
                            _literal(p[i]),
                            MODEL,
                            "2026-01-01T00:00:00Z",
                            "2026-01-01T00:00:00Z",
                            "2026-01-01T00:00:00Z",
                            *EMPTY_STYLE_RECORD,
                        )
                    )
            with cursor.copy(
                "COPY catalog_productqueryembedding (product_id, query_index, embedding) "
                "FROM STDIN (FORMAT BINARY)"
            ) as copy:
                copy.write(_copy_binary_header() + _query_rows(ids, q) + b"\xff\xff")
        print(f"  {stop}/{total} products ({time.monotonic() - started:.0f} s)", flush=True)
    queries.flush()
    np.save(out / "pooled.npy", pooled)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('catalog_product', 'id'), %s)", [total]
        )
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('catalog_category', 'id'), %s)",
            [len(ARTICLE_TYPES)],
        )
        # The graph must fit in memory or the build slows several-fold (~1.1 KB a row
        # at m = 16): a third of the machine, at most 8 GB.
        from shop.embedded_db import machine_memory

        build_memory = min(machine_memory() // 3, 8 * 1024**3) // 1024**2
        cursor.execute(f"SET maintenance_work_mem = '{build_memory}MB'")
        cursor.execute("SET max_parallel_maintenance_workers = 1")
        for index, table in (
            ("product_embedding_hnsw", "catalog_product"),
            ("query_embedding_hnsw", "catalog_productqueryembedding"),
        ):
            cursor.execute(
                f"CREATE INDEX {index} ON {table} USING hnsw (embedding vector_cosine_ops) "
                "WITH (m = 16, ef_construction = 64)"
            )
            print(f"  built {index} ({time.monotonic() - started:.0f} s)", flush=True)
        cursor.execute("VACUUM ANALYZE catalog_product")
        cursor.execute("VACUUM ANALYZE catalog_productqueryembedding")
    print(f"built {total} products x {QUERIES} vectors in {time.monotonic() - started:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    build(parser.parse_args().scale)


if __name__ == "__main__":
    main()
