"""Latency of the storefront's results page and of the header autocomplete.

Through Django's test client (routing, views, templates, the database): what a shopper
waits for minus the network.

    SHOP_EMBEDDING_MODEL=dev-tiny .venv/bin/python bench/search_page.py [--repeat 30]

Run it after `make run CATALOG=...` has imported and embedded a catalog. Text searches
use a fresh string each run so cached text embeddings do not hide the model's share.
Prints p50/p95 per request kind; asserts nothing.
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
from django.test import Client  # noqa: E402

from shop.catalog.models import Product  # noqa: E402

WORDS = ["navy blue shirt", "black casual shoes for men", "red kurta under 2000", "tshrit"]
PREFIXES = ["sh", "kur", "wat", "nav", "tsh", "puma", "bla", "san"]


def measure(label: str, call, repeat: int) -> float:
    call(-1)  # warm: model load, vocabulary, floors, database caches
    times = []
    for run in range(repeat):
        started = time.perf_counter()
        response = call(run)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (label, response.status_code)
    times.sort()
    p50 = statistics.median(times)
    p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
    print(f"{label:<44} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms")
    return p50


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    settings.ALLOWED_HOSTS = ["*"]
    n = Product.objects.count()
    if not n:
        sys.exit("No products: run `make run CATALOG=...` first.")
    print(f"{n} products, model {settings.SHOP_EMBEDDING_MODEL}, {args.repeat} runs each")
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    client = Client()
    text = measure(
        "text search, results page (HTMX partial)",
        lambda run: client.get(
            "/", {"q": f"{WORDS[run % len(WORDS)]} {run}"}, HTTP_HX_REQUEST="true"
        ),
        args.repeat,
    )
    measure(
        "text search, whole page",
        lambda run: client.get("/", {"q": f"{WORDS[run % len(WORDS)]} {run}"}),
        args.repeat,
    )
    suggest = measure(
        "autocomplete request",
        lambda run: client.get("/search/suggest/", {"q": PREFIXES[run % len(PREFIXES)]}),
        args.repeat,
    )
    print(f"autocomplete / text search (same run): {suggest / text:.2f}")


if __name__ == "__main__":
    main()
