from __future__ import annotations

from typing import Any

from django import template
from django.http import HttpRequest

from shop.assistant import backends, selectors, services

register = template.Library()


def panel_context(
    request: HttpRequest, *, next_url: str, error: str = "", draft: str = ""
) -> dict[str, Any]:
    """What the panel shows: the conversation in the session, and any error."""
    session = request.session
    backend, _notice = backends.backend_choice()
    return {
        "request": request,
        "turns": selectors.conversation_get(session=session),
        "error": error or services.flash_pop(session=session),
        "draft": draft,
        "next_url": next_url,
        "configured_backend": backend,
        "max_message_chars": services.MAX_MESSAGE_CHARS,
    }


@register.inclusion_tag("assistant/_panel.html", takes_context=True)
def assistant_panel(context: template.Context) -> dict[str, Any]:
    request = context.get("request")
    if request is None or not hasattr(request, "session"):
        return {"unavailable": True}
    panel = panel_context(request, next_url=request.get_full_path())
    panel["csrf_token"] = context.get("csrf_token")
    return panel
