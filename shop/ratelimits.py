"""Per-minute request limits, shared by every worker, that never forget a client.

A sliding window per key, kept in the RateLimit table: the rows of one request's
keys are locked (``SELECT ... FOR UPDATE``) for the check and the write, so
concurrent requests cannot both take the last slot, and a refused request uses up
nothing. Keys are hashed (a session cookie can be any length) and IPv6 addresses
count by /64, the block one subscriber gets.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
import random
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import connection, transaction
from rest_framework.throttling import BaseThrottle

from shop.clients import client_address
from shop.errors import ShopError
from shop.models import RateLimit

if TYPE_CHECKING:
    from rest_framework.request import Request
    from rest_framework.views import APIView

WINDOW_S = 60
# Many shoppers can share one address (offices, mobile carriers' NAT), so an address
# gets a few sessions' worth of requests.
ADDRESS_FACTOR = 3
TOO_FAST = "Too many requests. Please wait a minute and try again."
# One request in this many also deletes windows that have run out.
PRUNE_ONE_IN = 200


class RateLimited(ShopError):
    def __init__(self, message: str = TOO_FAST, *, retry_after: int) -> None:
        super().__init__(message, status=429, retry_after=retry_after)


def address_key(address: str) -> str:
    """The part of an address one client controls: all of IPv4, a /64 of IPv6."""
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return address[:64]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{ip}/64", strict=False))
    return str(ip)


def rate_keys(*, scope: str, session: str = "", address: str = "") -> list[tuple[str, int]]:
    """(key, per-minute factor) pairs for the address and the session, those given."""
    keys = []
    if address or not session:
        keys.append((f"{scope}:ip:{address_key(address)}", ADDRESS_FACTOR))
    if session:
        keys.append((f"{scope}:session:{session}", 1))
    return keys


def _stored_key(key: str) -> str:
    scope = key.split(":", 1)[0][:40]
    return f"{scope}:{hashlib.sha256(key.encode()).hexdigest()}"


def rate_limit_hit(
    *,
    limits: Iterable[tuple[str, int]],
    message: str = TOO_FAST,
    now: float | None = None,
) -> None:
    """Count one request against each (key, per-minute limit), or raise RateLimited.

    All or nothing: when any limit is reached nothing is counted, and the error's
    ``retry_after`` is when the fullest window frees a slot.
    """
    now = time.time() if now is None else now
    wanted = {_stored_key(key): limit for key, limit in limits}
    keys = sorted(wanted)  # one lock order for every request: no deadlocks
    table = RateLimit._meta.db_table
    # Plain SQL: a search checks a limit on every page, and the ORM's compiling of
    # the lock and the update cost more CPU than PostgreSQL's work.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (key, hits, expires_at) SELECT k, '{{}}', %s"
            " FROM unnest(%s::text[]) AS k ORDER BY k ON CONFLICT (key) DO NOTHING",
            [now + WINDOW_S, keys],
        )
        cursor.execute(
            f"SELECT key, hits FROM {table} WHERE key = ANY(%s) ORDER BY key FOR UPDATE",
            [keys],
        )
        retry_after = 0.0
        for key, hits in cursor.fetchall():
            recent = [t for t in hits if now - t < WINDOW_S]
            if len(recent) >= wanted[key]:
                oldest = sorted(recent)[-wanted[key]]
                retry_after = max(retry_after, oldest + WINDOW_S - now)
        if retry_after:
            raise RateLimited(message, retry_after=max(1, math.ceil(retry_after)))
        # The window keeps its recent hits and this one; it ends a minute after its last.
        cursor.execute(
            f"UPDATE {table} SET hits = ARRAY(SELECT t FROM unnest(hits) AS t"
            " WHERE %s - t < %s) || %s::double precision,"
            " expires_at = GREATEST(expires_at, %s) WHERE key = ANY(%s)",
            [now, WINDOW_S, now, now + WINDOW_S, keys],
        )
    if random.randrange(PRUNE_ONE_IN) == 0:  # noqa: S311 (not security: housekeeping)
        rate_limits_prune(now=now)


def rate_limit_record(*, keys: Iterable[str], now: float | None = None) -> None:
    """Count one request against each key, whatever its limit (a request already served)."""
    now = time.time() if now is None else now
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {RateLimit._meta.db_table} AS r (key, hits, expires_at) "
            "VALUES (%s, ARRAY[%s]::double precision[], %s) ON CONFLICT (key) DO UPDATE "
            "SET hits = r.hits || EXCLUDED.hits, expires_at = EXCLUDED.expires_at",
            [(_stored_key(key), now, now + WINDOW_S) for key in keys],
        )


def rate_limits_prune(*, now: float | None = None) -> int:
    """Delete windows with no request in the last minute; returns how many."""
    now = time.time() if now is None else now
    deleted, _ = RateLimit.objects.filter(expires_at__lt=now).delete()
    return deleted


def client_rate_limit(
    *,
    scope: str,
    session: str,
    address: str,
    per_minute: int,
    message: str = TOO_FAST,
    now: float | None = None,
) -> None:
    """``per_minute`` requests per session and ADDRESS_FACTOR times that per address."""
    rate_limit_hit(
        limits=[
            (key, per_minute * factor)
            for key, factor in rate_keys(scope=scope, session=session, address=address)
        ],
        message=message,
        now=now,
    )


class ApiRateThrottle(BaseThrottle):
    """DRF throttle for the whole API: SHOP_API_RATE_PER_MINUTE per user or address."""

    def __init__(self) -> None:
        self.retry_after: int | None = None

    def allow_request(self, request: Request, view: APIView) -> bool:
        user = getattr(request, "user", None)
        who = (
            f"user:{user.pk}"
            if user is not None and user.is_authenticated
            else f"ip:{address_key(client_address(request))}"
        )
        try:
            rate_limit_hit(limits=[(f"api:{who}", settings.SHOP_API_RATE_PER_MINUTE)])
        except RateLimited as limited:
            self.retry_after = limited.retry_after
            return False
        return True

    def wait(self) -> float | None:
        return self.retry_after
