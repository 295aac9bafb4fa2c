"""Project-wide error pages: 404 (JSON under /api/), 500, and 503 for database outages."""

from __future__ import annotations

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.views import defaults

UNAVAILABLE = "The shop is briefly unavailable. Please try again in a minute."
SERVER_ERROR = "Something went wrong on our side. Please try again in a moment."
RETRY_AFTER_S = 30


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: a database outage is a 503 (try again soon), anything else a 500.

    Django calls this inside its ``except`` block for any uncaught exception, in a
    view or a middleware (saving the session, for instance), so ``sys.exc_info()``
    says what happened. Nothing here touches the database.
    """
    outage = isinstance(sys.exc_info()[1], (OperationalError, InterfaceError))
    status = 503 if outage else 500
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(
            {"detail": UNAVAILABLE if outage else SERVER_ERROR}, status=status
        )
    else:
        template = loader.get_template("503.html" if outage else "500.html")
        response = HttpResponse(template.render(), status=status)
    if outage:
        response["Retry-After"] = str(RETRY_AFTER_S)
    return response


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler404: API clients get JSON, as from the API's own views; shoppers the page."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)
