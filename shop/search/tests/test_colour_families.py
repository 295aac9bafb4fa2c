"""A colour in the shopper's words means its family, the exact colour first; a ticked
colour facet means itself only."""

from __future__ import annotations

import pytest

from shop.catalog.models import Product
from shop.search.colours import colour_family
from shop.search.filters import ProductFilters
from shop.search.results import results_page

pytestmark = pytest.mark.django_db


@pytest.fixture
def shades() -> dict[str, list[int]]:
    products = list(Product.objects.order_by("id")[:6])
    colours = ["Navy Blue", "Blue", "Navy Blue", "Blue", "Teal", "Red"]
    for product, colour in zip(products, colours, strict=True):
        Product.objects.filter(pk=product.pk).update(base_colour=colour)
    Product.objects.exclude(pk__in=[p.pk for p in products]).update(base_colour="Black")
    by_colour: dict[str, list[int]] = {}
    for product, colour in zip(products, colours, strict=True):
        by_colour.setdefault(colour, []).append(product.pk)
    return by_colour


def _colours(page) -> list[str]:  # noqa: ANN001
    return [product.base_colour for product in page.page.object_list]


def test_in_blue_finds_navy_and_teal_too_with_blue_first(shades):
    page = results_page(filters=ProductFilters(q="blue"))
    colours = _colours(page)
    assert sorted(colours) == sorted(["Navy Blue", "Blue", "Navy Blue", "Blue", "Teal"])
    assert colours[:2] == ["Blue", "Blue"]  # the exact colour ranks first
    assert set(colours) <= set(colour_family("Blue"))


def test_a_ticked_colour_is_that_colour_only(shades):
    page = results_page(filters=ProductFilters(colour=("Blue",)))
    assert _colours(page) == ["Blue", "Blue"]
    # A shade named by its own name is itself only.
    assert set(_colours(results_page(filters=ProductFilters(q="navy")))) == {"Navy Blue"}
