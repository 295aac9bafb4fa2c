"""The JSON API's guard against cross-site forms.

DRF exempts its views from Django's CSRF check and checks only signed-in users, so an
anonymous shopper's session (their cart, their assistant conversation) could be
changed by a form on another site. A cross-site page can only send a form's content
types (url-encoded, multipart, text/plain) without a CORS preflight, so a state
change to ``/api/`` that carries the session cookie must either be JSON or pass
Django's CSRF check (token in ``X-CSRFToken`` or the form). Clients without the
cookie (scripts, mobile apps) have nothing of a shopper's to lose and are not asked.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from rest_framework.authentication import CSRFCheck

SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}
JSON_TYPES = {"application/json"}


def _csrf_failure(request: HttpRequest) -> str | None:
    check = CSRFCheck(lambda _request: HttpResponse())
    check.process_request(request)  # reads the CSRF cookie
    return check.process_view(request, None, (), {})  # the reason, or None


class ApiCsrfMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Callable, args: tuple, kwargs: dict
    ) -> HttpResponse | None:
        if (
            request.method in SAFE_METHODS
            or not request.path_info.startswith("/api/")
            or settings.SESSION_COOKIE_NAME not in request.COOKIES
            or request.content_type in JSON_TYPES
        ):
            return None
        reason = _csrf_failure(request)
        if reason is None:
            return None
        return JsonResponse({"detail": f"CSRF Failed: {reason}"}, status=403)
