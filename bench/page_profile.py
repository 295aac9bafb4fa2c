"""Where a results page's CPU goes, in-process: a breakdown per request kind.

Runs the storefront's pages through Django's test client with the production
settings gunicorn uses (DEBUG off, cached template loaders) and times, with
``time.process_time`` (CPU, not waits on PostgreSQL), each named piece of the page:
every piece is wrapped by a timer that knows its parent, so a figure is the piece's
own time (its children are listed under their own names) and the pieces add up to the
request. Query counts come from a database execute wrapper.

    SHOP_DB_NAME=load_shop .venv/bin/python bench/page_profile.py [--repeat 30]
        [--model dev-tiny] [--cprofile KIND]

With ``--cprofile``, the environment picks what cProfile prints: ``PROFILE_SORT``
(tottime), ``PROFILE_FILTER`` (a regular expression on the lines) and
``PROFILE_CALLEES`` (also the callees of the functions it matches) and
``PROFILE_CALLERS`` (also the callers of the functions it matches).

The database must hold an imported catalog embedded with the model (dev-tiny by
default; the full-size text tower is ``bench/load_serving.py --model full``'s run).
Kinds: a fresh text search (the load test's words plus a number: no cache of texts
helps), the same search repeated, a category page, the home page; each as a new
visitor (no cookie, like the load test's shoppers) and as a returning shopper (a
session). Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import gc
import os
import pstats
import random
import runpy
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")
# What gunicorn runs with (bench/load_serving.py): DEBUG off, so no query log and
# the same static files storage.
os.environ["DEBUG"] = "false"
os.environ.setdefault("SECRET_KEY", "page-profile-only")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
os.environ.setdefault("STATIC_ROOT", str(ROOT / "var" / "load-static"))
# One shopper makes every request here: the per-session logging limit would stop
# logging after 30 and hide the log write's cost.
os.environ.setdefault("SHOP_SEARCH_LOG_RATE_PER_MINUTE", "1000000")
# One torch thread, as each gunicorn worker runs (gunicorn.conf.py): two threads would
# count an OpenMP pool's spinning as the page's CPU.
os.environ.setdefault("OMP_NUM_THREADS", "1")

WORDS = ["navy blue shirt", "red dress", "running shoes", "black jeans", "kurta", "sunglasses"]


class Timers:
    """Nested CPU timers: each piece's own time (its children's taken out)."""

    def __init__(self) -> None:
        self.own: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self._stack: list[list] = []

    def wrap(self, owner: object, name: str, label: str) -> None:
        original = getattr(owner, name)
        timers = self

        @functools.wraps(original)
        def timed(*args, **kwargs):
            frame = [label, time.process_time(), 0.0]  # label, start, children's time
            timers._stack.append(frame)
            try:
                return original(*args, **kwargs)
            finally:
                timers._stack.pop()
                spent = time.process_time() - frame[1]
                timers.own[label] += spent - frame[2]
                timers.calls[label] += 1
                if timers._stack:
                    timers._stack[-1][2] += spent

        setattr(owner, name, timed)

    def reset(self) -> None:
        self.own.clear()
        self.calls.clear()


def instrument(timers: Timers) -> None:
    from django.contrib.sessions.backends import db as session_db
    from django.core.cache.backends import db as cache_db
    from django.core.paginator import Paginator
    from django.db.models.query import QuerySet
    from django.template import base as template_base
    from django.test import client as test_client

    from shop.cart import context_processors as cart_context
    from shop.search import (
        analytics,
        attribution,
        merchandising,
        navigation,
        results,
        selectors,
        views,
    )
    from shop.search.encoder import Blip2Encoder

    wraps = [
        # The whole request through the handler: what is left is middleware, routing,
        # the response and the test client's own work.
        (test_client.ClientHandler, "__call__", "middleware, routing, response"),
        (views, "product_list", "view: context, filters from the URL"),
        (views, "render", "template rendering"),
        (template_base.Template, "render", "template rendering"),
        (results, "results_page", "results: queries for the rows, pagination"),
        (QuerySet, "in_bulk", "rows: the page's products (for_cards)"),
        (QuerySet, "exists", "rows: exists() (words matched nothing?)"),
        (Paginator, "get_page", "rows: count, page ids (merchandised order)"),
        (results, "filters_known", "filters_known (facet values exist)"),
        (results, "understand", "query understanding"),
        (results, "get_vocabulary", "vocabulary (fingerprint query)"),
        (merchandising, "plan_for", "merchandising rules"),
        (merchandising, "apply", "merchandising apply (order, stock)"),
        (results, "_match", "keyword channel + fusion"),
        (Blip2Encoder, "encode_texts", "encoder: text embedding"),
        (selectors, "product_vector_matches", "vector channel (floor, ranking)"),
        (results, "facets_count", "facets"),
        (results, "chips_for", "chips, title, reasons"),
        (results, "_title", "chips, title, reasons"),
        (results, "_reasons", "chips, title, reasons"),
        (results, "dead_end_for", "dead ends"),
        (results, "home_shelf", "home shelf"),
        (analytics, "search_track", "search log: session, signing"),
        (analytics, "search_log", "search log: rate limit + insert"),
        (attribution, "results_sign", "click tokens (24 signatures)"),
        (selectors, "category_navigation", "category navigation (cache miss)"),
        (navigation, "department_navigation", "department navigation (cache miss)"),
        (cache_db.DatabaseCache, "get", "cache table read/write"),
        (cache_db.DatabaseCache, "set", "cache table read/write"),
        (cart_context, "cart_count", "mini cart count"),
        (session_db.SessionStore, "load", "session load/save"),
        (session_db.SessionStore, "save", "session load/save"),
    ]
    for owner, name, label in wraps:
        timers.wrap(owner, name, label)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--model", default="dev-tiny")
    parser.add_argument("--cprofile", default="", help="a kind to run under cProfile too")
    parser.add_argument("--only", default="", help="the kinds whose name has this")
    args = parser.parse_args()
    os.environ.setdefault("SHOP_EMBEDDING_MODEL", args.model)
    if not (Path(os.environ["STATIC_ROOT"]) / "staticfiles.json").exists():
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
            cwd=ROOT,
            check=True,
        )

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    from shop.catalog.models import Category, Product
    from shop.search.encoder import get_encoder

    model_id = get_encoder().model_id
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(1)
    n = Product.objects.count()
    embedded = Product.objects.embedded_with(model_id).count()
    category = Category.objects.filter(products__is_active=True).order_by("-id").first()
    print(
        f"{n} products, {embedded} embedded with {model_id}; "
        f"load {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; repeat {args.repeat}"
    )
    # As a gunicorn worker collects (gunicorn.conf.py): the start-up's objects frozen.
    gc.collect()
    gc.freeze()
    gc.set_threshold(*runpy.run_path(str(ROOT / "gunicorn.conf.py"))["WORKER_GC_THRESHOLD"])
    timers = Timers()
    instrument(timers)
    queries = [0]

    def count_queries(execute, sql, params, many, context):
        queries[0] += 1
        return execute(sql, params, many, context)

    rng = random.Random(7)
    # One client per kind: a new Client() loads the middleware again (whitenoise scans
    # the static files), which a server does once. A new visitor is a cleared cookie jar.
    visitor = Client()
    returning = Client()
    returning.get("/?q=warm+up")  # a session with a shopper id, as after a first search

    def fresh() -> str:
        # The load test's words plus a number: no cache of texts helps.
        return f"/?q={rng.choice(WORDS)} {rng.randrange(10**6)}"

    unlimited = settings.SHOP_SEARCH_LOG_RATE_PER_MINUTE
    # kind: (the path, the client (None: a new visitor each time), the logging limit)
    kinds = {
        # bench/load_serving.py's shoppers: no cookie, one address far over its limit
        # of logged searches, so nothing is logged and no session is made.
        "fresh text, new visitor over the log limit (load test)": (fresh, None, 1),
        "fresh text, new visitor (logged: a session made)": (fresh, None, unlimited),
        "fresh text, returning shopper": (fresh, returning, unlimited),
        "repeated text, returning shopper": (lambda: "/?q=navy blue shirt", returning, unlimited),
        "category page, returning shopper": (category.get_absolute_url, returning, unlimited),
        "home page, new visitor": (lambda: "/", None, unlimited),
    }

    def fetch(client: Client | None, path: str):
        if client is None:
            visitor.cookies.clear()
        return (client or visitor).get(path)

    for kind, (path_of, client, log_limit) in kinds.items():
        if args.only not in kind:
            continue
        settings.SHOP_SEARCH_LOG_RATE_PER_MINUTE = log_limit
        for _ in range(3):  # warm: vocabulary, floors, caches, connections
            fetch(client, path_of())
        timers.reset()
        cpu, wall, counted = [], [], []
        with connection.execute_wrapper(count_queries):
            for _ in range(args.repeat):
                path = path_of()
                queries[0] = 0
                started_cpu, started = time.process_time(), time.perf_counter()
                response = fetch(client, path)
                cpu.append((time.process_time() - started_cpu) * 1000)
                wall.append((time.perf_counter() - started) * 1000)
                counted.append(queries[0])
                if response.status_code != 200:
                    sys.exit(f"{path}: {response.status_code}")
        total = sum(cpu)
        print(
            f"\n{kind}: CPU p50 {statistics.median(cpu):.1f} ms (mean {total / len(cpu):.1f}), "
            f"wall p50 {statistics.median(wall):.1f} ms, "
            f"{statistics.median(counted):.0f} queries, {len(response.content) // 1024} KB"
        )
        pieces = sorted(timers.own.items(), key=lambda item: -item[1])
        for label, spent in pieces:
            mean = spent * 1000 / args.repeat
            if mean >= 0.05:
                print(f"  {label:<42} {mean:6.2f} ms  {100 * spent * 1000 / total:5.1f}%")
        rest = (total - sum(timers.own.values()) * 1000) / args.repeat
        print(f"  {'the test client itself (not served)':<42} {rest:6.2f} ms")
        if kind.startswith(args.cprofile) and args.cprofile:
            profile = cProfile.Profile(time.process_time)
            profile.enable()
            for _ in range(args.repeat):
                fetch(client, path_of())
            profile.disable()
            stats = pstats.Stats(profile).sort_stats(os.environ.get("PROFILE_SORT", "tottime"))
            stats.print_stats(os.environ.get("PROFILE_FILTER", ""), 40)
            if os.environ.get("PROFILE_CALLEES"):
                stats.print_callees(os.environ["PROFILE_CALLEES"])
            if os.environ.get("PROFILE_CALLERS"):
                stats.print_callers(os.environ["PROFILE_CALLERS"])


if __name__ == "__main__":
    main()
