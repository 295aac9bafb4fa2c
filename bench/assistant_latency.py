"""Latency of the offline assistant: the rules alone, and one whole answer.

    .venv/bin/python bench/assistant_latency.py [--repeat 5]

Run it after `make run CATALOG=...` has imported a catalog (the rules read its article
types, the answer searches it). "rules" is ``classify`` on each phrasing of the
assistant's test table; "answer" is ``assistant_reply`` (vocabulary from the database,
rules, retrieval, advice) with the offline backend. Prints medians; asserts nothing.
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

from shop.assistant import services  # noqa: E402
from shop.assistant.lexicon import catalog_vocabulary  # noqa: E402
from shop.assistant.rules import classify  # noqa: E402
from shop.assistant.tests.test_phrasings import OUTFITS, SINGLE  # noqa: E402
from shop.catalog.models import Product  # noqa: E402

ANSWERS = [
    "black tshrit",
    "a gym outfit for men",
    "two pairs of sneakers under 3000",
    "do you sell laptops?",
    "belt to match my white kurta",
]


def percentiles(times: list[float]) -> str:
    times = sorted(times)
    p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
    return f"p50 {statistics.median(times):8.2f} ms   p95 {p95:8.2f} ms   n={len(times)}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    settings.SHOP_ASSISTANT_BACKEND = "offline"
    print(f"catalog: {Product.objects.browsable().count()} products; load {os.getloadavg()}")

    started = time.perf_counter()
    vocabulary = catalog_vocabulary()
    print(f"{'vocabulary from the database':<32} {(time.perf_counter() - started) * 1000:8.2f} ms")

    messages = [m for m, *_ in SINGLE] + [m for m, _ in OUTFITS]
    times = []
    for _ in range(args.repeat):
        for message in messages:
            started = time.perf_counter()
            classify(message=message, vocabulary=vocabulary)
            times.append((time.perf_counter() - started) * 1000)
    print(f"{'rules (classify)':<32} {percentiles(times)}")

    services.assistant_reply(message="a watch")  # warm: connections, caches
    times = []
    for _ in range(args.repeat):
        for message in ANSWERS:
            started = time.perf_counter()
            services.assistant_reply(message=message)
            times.append((time.perf_counter() - started) * 1000)
    print(f"{'offline answer (assistant_reply)':<32} {percentiles(times)}")


if __name__ == "__main__":
    main()
