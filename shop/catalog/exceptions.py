from __future__ import annotations


class CatalogError(Exception):
    """An expected failure in the catalog app, with a message fit for the user."""

    def __init__(self, message: str, *, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
