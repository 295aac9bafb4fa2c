"""The shop's expected failures, and how the API answers them.

Anything a shopper or client can cause on purpose (bad input, a photo we will not
decode, asking too fast) is a ``ShopError``: a message fit to show and an HTTP
status. HTML views show the message in place; the API's one exception handler
turns it, and DRF's own parser and validation failures, into ``{"detail": ...}``
with a 4xx status. Never a 500 for bad input.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rest_framework import serializers

if TYPE_CHECKING:
    from django.http import HttpResponse
    from rest_framework.response import Response

NESTED_TOO_DEEPLY = "The request body is nested too deeply."


class ShopError(Exception):
    """An expected failure, with a message fit for the user and an HTTP status.

    ``retry_after`` (seconds) goes out as a ``Retry-After`` header, for 429 and 503.
    """

    def __init__(self, message: str, *, status: int = 400, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.retry_after = retry_after

    def headers(self) -> dict[str, str]:
        return {} if self.retry_after is None else {"Retry-After": str(self.retry_after)}

    def add_headers(self, response: HttpResponse) -> HttpResponse:
        """An HTML view's error page, with this error's headers (``Retry-After``) set."""
        for header, value in self.headers().items():
            response[header] = value
        return response


class DetailSerializer(serializers.Serializer):
    """The API's one error body, ``{"detail": "..."}`` (``Error`` in the schema)."""

    detail = serializers.CharField()

    class Meta:
        ref_name = "Error"


def error_responses(*statuses: int) -> dict[int, type[DetailSerializer]]:
    """``extend_schema(responses=...)`` entries: these statuses answer with the error body."""
    return dict.fromkeys(statuses, DetailSerializer)


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's EXCEPTION_HANDLER: the shop's errors and hostile bodies become 4xx answers.

    A deeply nested JSON body (``[`` x 100,000) makes ``json.loads`` raise
    RecursionError, which DRF's JSONParser does not catch (it only maps ValueError).
    """
    # Imported here: DRF's settings import the throttle, which imports this module.
    from rest_framework.response import Response
    from rest_framework.views import exception_handler

    if isinstance(exc, ShopError):
        return Response({"detail": exc.message}, status=exc.status, headers=exc.headers())
    if isinstance(exc, RecursionError):
        return Response({"detail": NESTED_TOO_DEEPLY}, status=400)
    return exception_handler(exc, context)
