from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from shop.assistant import selectors, services
from shop.assistant.exceptions import AssistantError
from shop.assistant.templatetags.assistant import panel_context

# Room for the form fields around the photo in a multipart body.
MULTIPART_OVERHEAD = 64 * 1024
PANEL = "assistant/_panel.html"


def _next_url(request: HttpRequest) -> str:
    candidate = request.POST.get("next", "")
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return "/"


def _session_key(request: HttpRequest) -> str:
    if not request.session.session_key:
        request.session.save()
    return f"session:{request.session.session_key}"


def _panel(
    request: HttpRequest,
    *,
    next_url: str,
    error: str = "",
    draft: str = "",
    status: int = 200,
) -> HttpResponse:
    context = panel_context(request, next_url=next_url, error=error, draft=draft)
    return render(request, PANEL, context, status=status)


@require_POST
def ask(request: HttpRequest) -> HttpResponse:
    """A shopper's message (and photo): HTMX gets the panel, a plain form post a redirect."""
    next_url = _next_url(request)
    message = request.POST.get("message", "")
    try:
        services.assistant_rate_limit(key=_session_key(request))
        if int(request.META.get("CONTENT_LENGTH") or 0) > (
            settings.SHOP_UPLOAD_MAX_BYTES + MULTIPART_OVERHEAD
        ):
            raise AssistantError(
                "The photo is too large. Please upload a smaller JPEG, PNG or WebP photo.",
                status=413,
            )
        upload = request.FILES.get("image")
        photo = None
        if upload is not None and upload.size:
            photo = services.photo_decode(
                data=upload.read(settings.SHOP_UPLOAD_MAX_BYTES + 1),
                filename=upload.name or "",
            )
        reply = services.assistant_reply(
            message=message,
            photo=photo,
            turns=selectors.conversation_get(session=request.session),
        )
    except AssistantError as error:
        if request.htmx:
            return _panel(
                request,
                next_url=next_url,
                error=error.message,
                draft=message[:2000],
                status=error.status,
            )
        services.flash_error(session=request.session, message=error.message)
        return redirect(f"{next_url}#assistant")
    services.conversation_append(session=request.session, reply=reply)
    if request.htmx:
        return _panel(request, next_url=next_url)
    return redirect(f"{next_url}#assistant")


@require_POST
def reset(request: HttpRequest) -> HttpResponse:
    next_url = _next_url(request)
    services.conversation_reset(session=request.session)
    if request.htmx:
        return _panel(request, next_url=next_url)
    return redirect(f"{next_url}#assistant")
