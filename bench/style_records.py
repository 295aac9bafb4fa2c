"""What reading style records costs, and what the importer's hash check saves.

    .venv/bin/python bench/style_records.py [PATH] [--repeat 3]

PATH is a Kaggle-layout catalog with styles/<id>.json (default: the shared sample).
Times, over every record: parsing + sanitising (nh3, ftfy) as a first import does, and
reading + hashing as a re-import of unchanged records does. Prints medians and their
ratio; asserts nothing and touches no database.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
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

from shop.catalog.style_records import StyleRecordRejected, style_record_parse  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("path", nargs="?", type=Path, default=settings.SHOP_SAMPLE_CATALOG)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    files = sorted((args.path / "styles").glob("*.json"))
    if not files:
        sys.exit(f"No styles/*.json under {args.path}.")
    parse, hashing = [], []
    for _ in range(args.repeat):
        started = time.perf_counter()
        for file in files:
            with contextlib.suppress(StyleRecordRejected):
                style_record_parse(file.read_bytes(), external_id=file.stem)
        parse.append(time.perf_counter() - started)
        started = time.perf_counter()
        for file in files:
            hashlib.sha256(file.read_bytes()).hexdigest()
        hashing.append(time.perf_counter() - started)
    p, h = statistics.median(parse), statistics.median(hashing)
    print(f"{len(files)} records, median of {args.repeat} runs:")
    print(f"  parse + sanitise: {p:.2f} s ({p / len(files) * 1000:.2f} ms a record)")
    print(f"  read + hash:      {h:.3f} s ({h / len(files) * 1000:.3f} ms a record)")
    print(f"  ratio: {p / h:.0f}x")
    print(f"  load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
