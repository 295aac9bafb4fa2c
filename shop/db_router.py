"""Primary/replica routing for DATABASE_REPLICA_URLS.

Only requests that cannot write (GET/HEAD storefront and search pages, the search
API) read from a replica, so a merchant who saves a product in the admin and a
task that reads then writes always see their own writes. Carts, orders, sessions,
users, the cache and the task engine's tables always live on the primary: they are
written on most requests that read them, and replication lag would lose updates.
"""

from __future__ import annotations

import contextvars
import random
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import models
from django.http import HttpRequest, HttpResponse

PRIMARY = "default"
# Apps whose reads must see their own writes; never routed to a replica.
PRIMARY_ONLY_APPS = frozenset(
    {
        "cart",
        "orders",
        # Shoppers' accounts: the wishlist and addresses, and allauth's e-mail addresses.
        "accounts",
        "account",
        "procrastinate",
        "jobs",
        "sessions",
        "auth",
        "admin",
        "contenttypes",
        "django_cache",
    }
)
# POSTs that only read: search and the assistant's retrieval take a photo upload.
READ_ONLY_POST_PATHS = ("/api/search/",)

_replica_reads: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "replica_reads", default=False
)


def replica_reads_allowed(request: HttpRequest) -> bool:
    if request.path.startswith("/admin/"):
        return False
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return True
    return request.method == "POST" and request.path in READ_ONLY_POST_PATHS


class ReplicaReadsMiddleware:
    """Marks read-only requests so the router may send their reads to a replica."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not settings.SHOP_REPLICA_ALIASES or not replica_reads_allowed(request):
            return self.get_response(request)
        token = _replica_reads.set(True)
        try:
            return self.get_response(request)
        finally:
            _replica_reads.reset(token)


class PrimaryReplicaRouter:
    def db_for_read(self, model: type[models.Model], **hints: Any) -> str:
        replicas = settings.SHOP_REPLICA_ALIASES
        if replicas and _replica_reads.get() and model._meta.app_label not in PRIMARY_ONLY_APPS:
            return random.choice(replicas)  # noqa: S311 (load spreading, not security)
        return PRIMARY

    def db_for_write(self, model: type[models.Model], **hints: Any) -> str:
        return PRIMARY

    def allow_relation(self, obj1: models.Model, obj2: models.Model, **hints: Any) -> bool:
        # Replicas hold the same rows as the primary.
        return True

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        # Replicas follow the primary's schema through replication.
        return db == PRIMARY
