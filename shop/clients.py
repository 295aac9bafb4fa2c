"""Who is asking: the client's address, behind as many proxies as the deployment has."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """The address the nearest trusted proxy saw, else the socket's peer.

    With SHOP_TRUSTED_PROXIES = n, the n-th address from the right of
    X-Forwarded-For is the one our own proxies vouch for; anything left of it was
    written by the client and is not trusted.
    """
    hops = settings.SHOP_TRUSTED_PROXIES
    if hops:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return request.META.get("REMOTE_ADDR", "")
