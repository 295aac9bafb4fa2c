"""How often one client may check out or look an order up (``shop.ratelimits`` counts)."""

from __future__ import annotations

from django.conf import settings

from shop import ratelimits

TOO_MANY_CHECKOUTS = "Too many checkouts in a minute. Please wait a moment and try again."


def checkout_rate_limit(*, session: str, address: str, email: str, phone: str) -> None:
    """Count one checkout, or raise ``ratelimits.RateLimited`` (429).

    SHOP_CHECKOUT_RATE_PER_MINUTE per session, per e-mail and per phone (whichever
    session or address uses them), three times that per client address; the page and
    the API count together. With the cap on open cash-on-delivery orders, one client
    cannot drain stock or mail a stranger's inbox with orders nobody pays for.
    """
    per_minute = settings.SHOP_CHECKOUT_RATE_PER_MINUTE
    keys = [
        *ratelimits.rate_keys(scope="checkout", session=session, address=address),
        (f"checkout:email:{email.strip().lower()}", 1),
        (f"checkout:phone:{phone}", 1),
    ]
    ratelimits.rate_limit_hit(
        limits=[(key, per_minute * factor) for key, factor in keys], message=TOO_MANY_CHECKOUTS
    )


TOO_MANY_LOOKUPS = "Too many order lookups in a minute. Please wait a moment and try again."


def order_lookup_rate_limit(*, session: str, address: str) -> None:
    """Count one order lookup, or raise ``ratelimits.RateLimited`` (429).

    SHOP_ORDER_LOOKUP_RATE_PER_MINUTE per session and three times that per address:
    an order number and its e-mail must not be guessable by trying thousands.
    """
    ratelimits.client_rate_limit(
        scope="order-lookup",
        session=session,
        address=address,
        per_minute=settings.SHOP_ORDER_LOOKUP_RATE_PER_MINUTE,
        message=TOO_MANY_LOOKUPS,
    )
