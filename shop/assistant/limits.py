"""How often one shopper may ask the assistant (``shop.ratelimits`` counts)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from shop import ratelimits
from shop.assistant.exceptions import AssistantError

TOO_FAST = "You're asking faster than I can keep up. Please wait a minute and try again."


@dataclass(frozen=True)
class RateKeys:
    """Who is asking: the session (if the shopper has one) and the client's address."""

    session: str = ""
    ip: str = ""


def assistant_rate_limit(*, keys: RateKeys, now: float | None = None) -> None:
    """Allow SHOP_ASSISTANT_RATE_PER_MINUTE requests a minute per session and
    ``ratelimits.ADDRESS_FACTOR`` times that per address (by /64 for IPv6), else AssistantError 429.

    Both count: a client that drops its session cookie still has its address. A
    refused request uses up nothing. Counted atomically in the database (see
    shop.ratelimits), so concurrent requests cannot overshoot.
    """
    try:
        ratelimits.client_rate_limit(
            scope="assistant",
            session=keys.session,
            address=keys.ip,
            per_minute=settings.SHOP_ASSISTANT_RATE_PER_MINUTE,
            message=TOO_FAST,
            now=now,
        )
    except ratelimits.RateLimited as limited:
        raise AssistantError(TOO_FAST, status=429, retry_after=limited.retry_after) from None


def assistant_rate_limit_record(*, session: str, now: float | None = None) -> None:
    """Count an ask that was answered before the shopper had a session against it."""
    ratelimits.rate_limit_record(
        keys=[key for key, _factor in ratelimits.rate_keys(scope="assistant", session=session)],
        now=now,
    )
