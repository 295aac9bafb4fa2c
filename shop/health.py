"""``/healthz`` for the proxy and the orchestrator: is the database reachable, is the
model loaded, has a task worker been seen lately. Answered before any other
middleware, so it works for any Host header and over plain HTTP behind the TLS proxy."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone

PATH = "/healthz"


def worker_seen_s_ago() -> float | None:
    """Seconds since a task worker's last heartbeat (procrastinate's workers table,
    beaten every 10 s), or None when none has been seen or the database is down."""
    from procrastinate.contrib.django.models import ProcrastinateWorker

    try:
        last = (
            ProcrastinateWorker.objects.order_by("-last_heartbeat")
            .values_list("last_heartbeat", flat=True)
            .first()
        )
    except DatabaseError:
        return None
    return None if last is None else max(0.0, (timezone.now() - last).total_seconds())


def worker_missing() -> bool:
    """Whether no worker has beaten for ``SHOP_WORKER_STALE_S`` (jobs would wait)."""
    seen = worker_seen_s_ago()
    return seen is None or seen > settings.SHOP_WORKER_STALE_S


def health() -> tuple[dict[str, object], int]:
    """The shop's state as JSON, and 200 when it can serve (the database answers) else 503.

    The model is reported, never loaded here: a shop without a loaded model still
    serves browsing and keyword search.
    """
    from shop.search.encoder import get_encoder

    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        database = "ok"
    except DatabaseError:
        database = "unavailable"
    seen = worker_seen_s_ago() if database == "ok" else None
    body = {
        "status": "ok" if database == "ok" else "unavailable",
        "database": database,
        # Reported, not a reason for 503: the web side serves without a worker.
        "worker": {
            "status": "ok"
            if seen is not None and seen <= settings.SHOP_WORKER_STALE_S
            else "not seen",
            "seen_s_ago": None if seen is None else round(seen, 1),
        },
        "model": {
            "name": settings.SHOP_EMBEDDING_MODEL,
            "loaded": get_encoder.cache_info().currsize > 0,
        },
    }
    return body, 200 if database == "ok" else 503


class HealthCheckMiddleware:
    """First in MIDDLEWARE: ALLOWED_HOSTS and the HTTPS redirect do not apply to probes."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path != PATH or request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        body, status = health()
        response = JsonResponse(body, status=status)
        response["Cache-Control"] = "no-store"
        return response
