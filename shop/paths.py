"""``reverse()`` with a per-process memo, for links a page renders by the hundred.

A results page links every facet value, product card and category: a few hundred
``reverse()`` calls at ~40 µs of URL-resolver work each. Routes do not change while
a process runs, so the path for (script prefix, view name, arguments) is kept; a
test that swaps the URLconf clears it.
"""

from __future__ import annotations

import functools

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import get_script_prefix, reverse


def cached_reverse(viewname: str, *args: object, current_app: str | None = None) -> str:
    return _reverse(get_script_prefix(), viewname, args, current_app)


@functools.lru_cache(maxsize=16384)
def _reverse(prefix: str, viewname: str, args: tuple[object, ...], current_app: str | None) -> str:
    return reverse(viewname, args=args or None, current_app=current_app)


@receiver(setting_changed)
def _forget(*, setting: str, **kwargs: object) -> None:
    if setting == "ROOT_URLCONF":
        _reverse.cache_clear()
