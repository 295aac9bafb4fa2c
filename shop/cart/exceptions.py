from __future__ import annotations


class CartError(Exception):
    """An expected failure in the cart or checkout, with a message fit for the shopper."""

    def __init__(self, message: str, *, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
