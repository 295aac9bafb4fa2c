"""``/healthz`` for the proxy and the orchestrator: is the database reachable, is the
model loaded. Answered before any other middleware, so it works for any Host header
and over plain HTTP behind the TLS proxy."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse

PATH = "/healthz"


def health() -> tuple[dict[str, object], int]:
    """The shop's state as JSON, and 200 when it can serve (the database answers) else 503.

    The model is reported, never loaded here: a shop without a loaded model still
    serves browsing and keyword search.
    """
    from shop.catalog.encoder import get_encoder

    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        database = "ok"
    except DatabaseError:
        database = "unavailable"
    body = {
        "status": "ok" if database == "ok" else "unavailable",
        "database": database,
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
