"""A request of a few KB cannot make a page of megabytes: facet values are capped, and
values the catalog does not have are dropped before any link repeats them."""

from __future__ import annotations

import pytest
from django.http import QueryDict

from shop.cart.tests.factories import product_make
from shop.catalog.models import Product
from shop.search.facets import filters_known
from shop.search.filters import MAX_FACET_VALUES, MAX_FILTER_VALUES, ProductFilters

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog() -> None:
    for colour in ("Red", "Blue", "Green"):
        product = product_make(name=f"{colour} Kurta")
        Product.objects.filter(pk=product.pk).update(base_colour=colour, gender="Men")


def _query(**lists: list[str]) -> QueryDict:
    query = QueryDict(mutable=True)
    for name, values in lists.items():
        query.setlist(name, values)
    return query


def test_values_per_facet_and_in_all_are_capped():
    many = {name: [f"{name}{n}" for n in range(500)] for name in ("colour", "brand", "usage")}
    filters = ProductFilters.from_query(_query(**many))
    assert len(filters.colour) == MAX_FACET_VALUES
    assert filters.colour == tuple(many["colour"][:MAX_FACET_VALUES])  # the first ones
    assert len(filters.colour) + len(filters.brand) + len(filters.usage) == MAX_FILTER_VALUES


def test_values_the_catalog_does_not_have_are_dropped(catalog):
    filters = ProductFilters(colour=("Red", "Mauve", "Blue"), gender=("Men", "Aliens"))
    known = filters_known(filters)
    assert (known.colour, known.gender) == (("Red", "Blue"), ("Men",))
    assert filters_known(ProductFilters()) == ProductFilters()
    # Nothing known: one made-up value stays, so the page matches nothing, not everything.
    assert filters_known(ProductFilters(colour=("Mauve", "Puce"))).colour == ("Mauve",)


def test_four_hundred_made_up_colours_make_a_small_page(client, catalog):
    colours = ["Red", *(f"Colour{n:03d}" for n in range(400))]
    response = client.get("/", _query(colour=colours))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Colour: Red" in html and "Colour: Colour000" not in html  # no chip for it
    # Was 4.6 MB: every facet link repeated all 400. What is left grows with the request
    # (a login link's ?next=), not with its square.
    assert len(response.content) < 100_000, len(response.content)


def test_a_posted_search_with_990_values_answers_with_a_small_page(client, catalog):
    data = _query(q=["kurta"], colour=[f"Colour{n:03d}" for n in range(990)])
    response = client.post("/search/", data.urlencode(), "application/x-www-form-urlencoded")
    assert response.status_code in (200, 302, 303)
    assert len(response.content) + len(response.get("Location", "")) < 200_000
