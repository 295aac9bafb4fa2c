from __future__ import annotations

from decimal import Decimal

import pytest
from django.http import QueryDict

from shop.search.filters import ProductFilters


def test_every_state_round_trips_through_the_url():
    filters = ProductFilters(
        category=("tshirts", "shirts"),
        gender=("Men",),
        colour=("Navy Blue",),
        brand=("Puma",),
        season=("Summer",),
        usage=("Casual",),
        price_min=Decimal("500"),
        price_max=Decimal("1999.50"),
        q="slim fit",
        photo="abcDEF123_-xyz",
        sort="price_desc",
        page=3,
    )
    query = filters.to_query()
    assert ProductFilters.from_query(QueryDict(query.urlencode())) == filters


def test_defaults_are_left_out_of_the_url():
    assert ProductFilters().url() == "/"
    assert ProductFilters(q="red", sort="relevance", page=1).url() == "/?q=red"


def test_a_change_resets_the_page_unless_it_is_the_page():
    filters = ProductFilters(q="red", page=4)
    assert filters.url(sort="newest") == "/?q=red&sort=newest"
    assert filters.url(page=2) == "/?q=red&page=2"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("sort=%00", ProductFilters()),
        ("page=-4", ProductFilters()),
        ("page=abc", ProductFilters()),
        ("price_min=abc&price_max=-1", ProductFilters()),
        ("price_max=1e400", ProductFilters()),
        ("price_max=NaN", ProductFilters()),
        ("photo=..%2F..%2Fetc", ProductFilters()),
        ("colour=&colour=Red&colour=Red", ProductFilters(colour=("Red",))),
    ],
)
def test_malformed_values_fall_back_to_defaults_instead_of_failing(query, expected):
    assert ProductFilters.from_query(QueryDict(query)) == expected


def test_toggling_a_value_adds_or_removes_it():
    filters = ProductFilters(colour=("Red",))
    assert filters.toggled("colour", "Blue").colour == ("Red", "Blue")
    assert filters.toggled("colour", "Red").colour == ()
