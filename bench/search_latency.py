"""Latency of one search and one assistant answer on the local catalog, end to end.

Goes through Django's test client (URL routing, views, templates, the database), so
the figures are what a shopper waits for minus the network:

    SHOP_EMBEDDING_MODEL=dev-tiny .venv/bin/python bench/search_latency.py [--repeat 20]

Run it after `make run CATALOG=...` has imported and embedded a catalog. With dev-tiny
the model's share is tiny; with the real BLIP-2 on a CPU a text query adds ~100 ms and a
photo ~5 s (fp32). Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")
# Settings default to production (DEBUG off); benchmarks run as `make run` does.
os.environ.setdefault("DEBUG", "true")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.test import Client  # noqa: E402

from shop.catalog.models import Product  # noqa: E402

WORDS = ["navy blue shirt", "red dress", "running shoes", "leather wallet", "gold watch"]


def fresh_words(run: int) -> str:
    # A new string every run: cached text embeddings would hide the model's share.
    return f"{WORDS[run % len(WORDS)]} {run}"


def measure(label: str, call, repeat: int) -> None:
    call(-1)  # warm: model load, database caches
    times = []
    for run in range(repeat):
        started = time.perf_counter()
        response = call(run)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (label, response.status_code)
    times.sort()
    p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
    print(f"{label:<40} p50 {statistics.median(times):7.1f} ms   p95 {p95:7.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    settings.ALLOWED_HOSTS = ["*"]
    settings.SHOP_ASSISTANT_RATE_PER_MINUTE = 10**6
    product = Product.objects.exclude(image="").order_by("id").first()
    if product is None:
        sys.exit("No products: run `make run CATALOG=...` first.")
    photo = Path(product.image.path).read_bytes()
    client = Client()
    n = Product.objects.count()
    print(f"{n} products, model {settings.SHOP_EMBEDDING_MODEL}, {args.repeat} runs each")

    def upload() -> SimpleUploadedFile:
        return SimpleUploadedFile("photo.jpg", photo, content_type="image/jpeg")

    measure(
        "text search (page)",
        lambda run: client.get("/", {"q": fresh_words(run)}),
        args.repeat,
    )
    measure(
        "text search, category filter (page)",
        lambda run: client.get("/", {"q": fresh_words(run), "category": "sports-shoes"}),
        args.repeat,
    )
    measure(
        "photo search (API)",
        lambda run: client.post("/api/search/", {"image": upload()}),
        args.repeat,
    )
    measure(
        "photo + text search (API)",
        lambda run: client.post("/api/search/", {"image": upload(), "q": fresh_words(run)}),
        args.repeat,
    )
    measure(
        "browse page with facets", lambda run: client.get("/", {"gender": "Women"}), args.repeat
    )
    measure(
        "assistant, offline (API)",
        lambda run: client.post(
            "/api/assistant/",
            {"message": f"an outfit for a summer wedding, two options of shoes ({run})"},
            content_type="application/json",
        ),
        args.repeat,
    )


if __name__ == "__main__":
    main()
