from __future__ import annotations


class AssistantError(Exception):
    """An expected failure in the assistant app, with a message fit for the shopper."""

    def __init__(self, message: str, *, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
