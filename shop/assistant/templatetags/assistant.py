from __future__ import annotations

from typing import Any

from django import template

from shop.assistant import selectors

register = template.Library()


@register.inclusion_tag("assistant/_panel.html", takes_context=True)
def assistant_panel(context: template.Context) -> dict[str, Any]:
    request = context.get("request")
    if request is None or not hasattr(request, "session"):
        return {"unavailable": True}
    panel = selectors.panel_get(session=request.session, next_url=request.get_full_path())
    panel["csrf_token"] = context.get("csrf_token")
    return panel
