from __future__ import annotations

from django import template
from django.utils.safestring import SafeString, mark_safe

from shop.catalog.descriptions import description_render

register = template.Library()


@register.filter(name="description")
def description_filter(html: str | None) -> SafeString:
    """``{{ product.description|description }}``: stored HTML, sanitised again now.

    The one way description HTML reaches a page (never a bare ``|safe``).
    """
    return mark_safe(description_render(html or ""))  # noqa: S308 - sanitised by nh3 just now
