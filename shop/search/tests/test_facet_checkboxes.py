"""The facet checkboxes the results page writes in Python: the template's markup, every
value escaped, "checked" and the count per page even though each value's markup is kept."""

from __future__ import annotations

from shop.search.facets import Facet, FacetValue
from shop.search.templatetags.search_facets import facet_checkboxes


def _value(value: str, *, count: int, selected: bool, label: str | None = None) -> FacetValue:
    return FacetValue(
        value=value, label=label or value, count=count, selected=selected, link=lambda: ""
    )


def test_each_value_is_a_labelled_checkbox_with_its_count() -> None:
    facet = Facet(
        name="brand",
        label="Brand",
        values=[
            _value("Nike", count=12, selected=True),
            _value('Tom & "Jerry" <Kids>', count=3, selected=False),
        ],
    )
    assert str(facet_checkboxes(facet)) == (
        '<label><input type="checkbox" name="brand" value="Nike" checked id="f-brand-nike">'
        ' Nike <span class="count">12</span></label>\n'
        '<label><input type="checkbox" name="brand"'
        ' value="Tom &amp; &quot;Jerry&quot; &lt;Kids&gt;" id="f-brand-tom-jerry-kids">'
        ' Tom &amp; &quot;Jerry&quot; &lt;Kids&gt; <span class="count">3</span></label>'
    )


def test_checked_and_counts_follow_each_page_not_the_first() -> None:
    first = Facet(name="colour", label="Colour", values=[_value("Black", count=5, selected=True)])
    second = Facet(name="colour", label="Colour", values=[_value("Black", count=9, selected=False)])
    assert " checked" in str(facet_checkboxes(first))
    again = str(facet_checkboxes(second))
    assert " checked" not in again
    assert '<span class="count">9</span>' in again
    other = Facet(name="usage", label="Usage", values=[_value("Black", count=1, selected=False)])
    assert 'name="usage"' in str(facet_checkboxes(other))  # the facet's name is part of the key
