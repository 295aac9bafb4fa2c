from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from shop import uploads
from shop.assistant import conversation as conversations
from shop.assistant import limits, selectors, services
from shop.clients import client_address
from shop.errors import ShopError

# HTMX swaps the panel's body only, so the sheet around it keeps its open state.
PANEL = "assistant/_panel.html#body"
# Without JavaScript an error is answered with a page of its own, panel included.
PAGE = "assistant/ask.html"
MAX_DRAFT_CHARS = 2000


def _next_url(request: HttpRequest, *, read_body: bool = True) -> str:
    """Where the shopper was: the form's `next`, else (body unread) the page htmx reports."""
    candidates = [request.POST.get("next", "")] if read_body else []
    if request.htmx:
        candidates.append(request.htmx.current_url_abs_path or "")
    for candidate in candidates:
        if candidate and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return candidate
    return "/"


def _panel(
    request: HttpRequest,
    *,
    next_url: str,
    error: str = "",
    draft: str = "",
    status: int = 200,
) -> HttpResponse:
    context = selectors.panel_get(
        session=request.session, next_url=next_url, error=error, draft=draft
    )
    return render(request, PANEL if request.htmx else PAGE, context, status=status)


@require_POST
@uploads.refuse_oversized_before_csrf
def ask(request: HttpRequest) -> HttpResponse:
    """A shopper's message (and photo): HTMX gets the panel, a plain form post a redirect."""
    # An oversized body is refused before it is parsed.
    too_large = uploads.request_too_large(request)
    next_url = _next_url(request, read_body=not too_large)
    message = "" if too_large else request.POST.get("message", "")
    upload = None if too_large else request.FILES.get("image")
    new_session = request.session.session_key is None
    try:
        services.assistant_ask(
            message=message,
            upload=upload if upload is not None and upload.size else None,
            conversation=conversations.SessionConversation(request.session),
            rate_keys=limits.RateKeys(
                session=request.session.session_key or "",
                ip=client_address(request),
            ),
            body_too_large=too_large,
        )
    except ShopError as error:
        return error.add_headers(
            _panel(
                request,
                next_url=next_url,
                error=error.message,
                draft=message[:MAX_DRAFT_CHARS],
                status=error.status,
            )
        )
    if new_session:
        # The answer started the shopper's session (no session is made just to count
        # a refused request); its first ask counts against it like the rest.
        request.session.save()
        limits.assistant_rate_limit_record(session=request.session.session_key)
    if request.htmx:
        return _panel(request, next_url=next_url)
    # Without JavaScript the page opens at the newest answer.
    return redirect(f"{next_url}#assistant-latest")


@require_POST
def reset(request: HttpRequest) -> HttpResponse:
    next_url = _next_url(request)
    conversations.conversation_reset(session=request.session)
    if request.htmx:
        return _panel(request, next_url=next_url)
    return redirect(f"{next_url}#assistant")
