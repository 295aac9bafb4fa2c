"""Every template's {% url %} is the memoised one (a builtin), with Django's output."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.urls import NoReverseMatch, reverse

from shop.templatetags.memo_url import MemoURLNode


def _render(source: str, **context: object) -> str:
    return Template(source).render(Context(context))


def test_url_in_any_template_is_the_memoised_tag_with_djangos_output():
    template = Template("{% url 'catalog:product_detail' pk slug %}")
    assert isinstance(template.nodelist[0], MemoURLNode)
    for pk, slug in ((7, "red-shirt"), (8, "blue-shirt"), (7, "red-shirt")):
        assert template.render(Context({"pk": pk, "slug": slug})) == reverse(
            "catalog:product_detail", args=[pk, slug]
        )


def test_as_var_keywords_and_unknown_names_behave_as_djangos_tag():
    assert _render("{% url 'cart:detail' as u %}[{{ u }}]") == f"[{reverse('cart:detail')}]"
    assert _render("{% url 'no:such' as u %}[{{ u }}]") == "[]"
    with pytest.raises(NoReverseMatch):
        _render("{% url 'no:such' %}")
    assert _render("{% url 'catalog:product_detail' pk=3 slug='x' %}") == reverse(
        "catalog:product_detail", kwargs={"pk": 3, "slug": "x"}
    )


def test_the_url_is_escaped_like_djangos():
    url = reverse("orders:confirmation", args=["A&B"])
    assert "&" in url
    assert _render("{% url 'orders:confirmation' number %}", number="A&B") == url.replace(
        "&", "&amp;"
    )
