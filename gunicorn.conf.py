"""gunicorn in production (the Dockerfile runs plain `gunicorn`, which reads this file).

The BLIP-2 text tower is loaded once in the master, before the workers are forked, so
the first shopper never waits for it and every worker shares its pages. Each worker
runs torch on one thread: two workers with torch's default threads on two cores fight
each other (measured 3.6x slower concurrent text search). Settings, from the
environment:

    WEB_CONCURRENCY             worker processes (2)
    GUNICORN_THREADS            threads per worker (4): one computes, the others wait
                                on PostgreSQL or the client
    SHOP_BIND                   address (0.0.0.0:8000)
    SHOP_WORKER_TORCH_THREADS   torch threads per worker (1)
    SHOP_PRELOAD_VISION         also load the vision tower in the master (false): photo
                                searches are then warm too; its weights are file-backed
                                pages shared by all workers

The master's objects (Django, the encoder and the ~480,000 objects of its libraries)
live as long as it does, so they are frozen before the fork (``gc.freeze``): a
worker's collections never walk them again, nor write to the pages they share with
the master. Workers collect their young objects ten times less often than Python's
default (a results page allocates tens of thousands). Measured 2026-12-08 (README,
"On another CPU"): ~1 ms less CPU a search page, and each worker's private memory after
the load test's text phase 165 -> 74 MB.
"""

from __future__ import annotations

import gc
import logging
import os
import time

TORCH_THREADS = int(os.environ.get("SHOP_WORKER_TORCH_THREADS", "1"))
# Before torch is imported: the master never starts an OpenMP pool that forked
# workers would inherit half-alive.
os.environ.setdefault("OMP_NUM_THREADS", str(TORCH_THREADS))

wsgi_app = "shop.wsgi:application"
bind = [os.environ.get("SHOP_BIND", "0.0.0.0:8000")]
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
preload_app = True
timeout = 120
graceful_timeout = 30
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
# A worker's collection thresholds (Python's default: 700, 10, 10).
WORKER_GC_THRESHOLD = (7000, 20, 20)

logger = logging.getLogger("gunicorn.error")


def when_ready(server: object) -> None:
    """In the master, after the app is imported and before any worker is forked."""
    from django.db import connections

    from shop.search.encoder import warm_up

    started = time.monotonic()
    vision = os.environ.get("SHOP_PRELOAD_VISION", "false").lower() in ("1", "true", "yes", "on")
    described = warm_up(vision=vision)
    logger.info("%s (%.1f s)", described, time.monotonic() - started)
    # Forked workers must not share the master's database sockets.
    connections.close_all()
    gc.collect()
    gc.freeze()
    logger.info("%d objects frozen in the master", gc.get_freeze_count())


def post_fork(server: object, worker: object) -> None:
    import sys

    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(TORCH_THREADS)
    gc.set_threshold(*WORKER_GC_THRESHOLD)
