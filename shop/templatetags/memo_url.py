"""``{% url %}`` through ``shop.paths.cached_reverse``: a builtin (settings.TEMPLATES),
so every template's ``{% url %}`` is this one.

Django's tag calls ``reverse()`` on every render, ~50 µs of URL-resolver work; a page
renders 10-20 of them (header, search form, results toolbar). Same parsing, same
output and errors: a name with positional string or number arguments is memoised per
process (routes do not change while it runs); anything else is Django's own render.
"""

from __future__ import annotations

from django import template
from django.template import defaulttags
from django.template.context import Context
from django.urls import NoReverseMatch
from django.utils.html import conditional_escape

from shop.paths import cached_reverse

register = template.Library()


class MemoURLNode(defaulttags.URLNode):
    def render(self, context: Context) -> str:
        if self.kwargs:
            return super().render(context)
        args = tuple(arg.resolve(context) for arg in self.args)
        if not all(type(arg) in (str, int) for arg in args):
            return super().render(context)
        try:
            current_app = context.request.current_app
        except AttributeError:
            try:
                current_app = context.request.resolver_match.namespace
            except AttributeError:
                current_app = None
        try:
            url = cached_reverse(self.view_name.resolve(context), *args, current_app=current_app)
        except NoReverseMatch:
            return super().render(context)  # Django's own error, or "" with "as var"
        if self.asvar:
            context[self.asvar] = url
            return ""
        return conditional_escape(url) if context.autoescape else url


@register.tag
def url(parser: template.base.Parser, token: template.base.Token) -> MemoURLNode:
    node = defaulttags.url(parser, token)
    node.__class__ = MemoURLNode
    return node
