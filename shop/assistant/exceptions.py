from __future__ import annotations

from shop.errors import ShopError


class AssistantError(ShopError):
    """An expected failure in the assistant app, with a message fit for the shopper."""
