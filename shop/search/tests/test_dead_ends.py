"""No dead ends: a page that finds nothing says why and offers somewhere to go."""

from __future__ import annotations

import secrets

import pytest
from django.db.models import Count
from django.test import Client

from shop.catalog.models import Category, Product
from shop.search.colours import colour_family
from shop.search.encoder import get_encoder
from shop.search.filters import ProductFilters
from shop.search.models import SearchPhoto
from shop.search.results import results_page

pytestmark = pytest.mark.django_db

WORD = "leather"


@pytest.fixture
def category() -> Category:
    return (
        Category.objects.annotate(n=Count("products")).filter(n__gte=3).order_by("-n", "id").first()
    )


def _absent_colour(category: Category) -> str:
    """A colour the catalog has, but not in this article type."""
    present = set(category.products.values_list("base_colour", flat=True))
    return (
        Product.objects.exclude(base_colour__in=present)
        .exclude(base_colour="")
        .order_by("base_colour")
        .values_list("base_colour", flat=True)
        .first()
    )


def test_filters_that_leave_nothing_offer_each_one_removed_with_counts(category):
    colour = _absent_colour(category)
    page = results_page(filters=ProductFilters(category=(category.slug,), colour=(colour,)))
    assert page.total == 0
    assert page.dead_end.reason == "No product has every filter you chose."
    options = {r.label: (r.url, r.count) for r in page.dead_end.relaxations}
    assert options[f"Without Colour: {colour}"] == (
        f"/?category={category.slug}",
        category.products.filter(is_active=True).count(),
    )
    assert options[f"Without Article type: {category.name}"] == (
        f"/?colour={colour.replace(' ', '+')}",
        Product.objects.filter(base_colour=colour, is_active=True).count(),
    )


def test_words_that_match_outside_the_filters_say_so(search_floors):
    search_floors(text=2.0, image=2.0)  # keyword matches only
    found = results_page(filters=ProductFilters(q=WORD), page_size=1000).page.object_list
    genders = {p.gender for p in found}
    other = Product.objects.exclude(gender__in=genders).exclude(gender="").first()
    assert other is not None
    page = results_page(filters=ProductFilters(q=WORD, gender=(other.gender,)))
    assert page.total == 0
    assert page.dead_end.reason.startswith("Products match, but none of them")
    option = page.dead_end.relaxations[0]
    assert (option.label, option.url, option.count) == (
        f"Without Gender: {other.gender}",
        f"/?q={WORD}",
        len(found),
    )


def test_nonsense_says_why_and_offers_no_fake_matches(search_floors):
    search_floors(text=2.0, image=2.0)
    page = results_page(filters=ProductFilters(q="xqzv plomb"))
    assert page.total == 0
    assert page.dead_end.reason == "Nothing in the catalog matches “xqzv plomb” closely enough."
    assert page.dead_end.relaxations == [] and page.dead_end.near == []


def test_in_stock_only_that_leaves_nothing_offers_the_sold_out_products(category):
    for product in category.products.all():
        product.variants.update(stock=0)
    page = results_page(filters=ProductFilters(category=(category.slug,), in_stock=True))
    assert page.total == 0
    option = next(r for r in page.dead_end.relaxations if r.label == "With sold-out products")
    assert option.count == category.products.filter(is_active=True).count()


def test_a_photo_nothing_looks_enough_like_offers_the_understood_filters_unvouched(
    client: Client, search_floors
):
    search_floors(text=2.0, image=2.0)  # nothing clears the photo floor
    product = Product.objects.exclude(base_colour="").order_by("id").first()
    photo = SearchPhoto.objects.create(
        token=secrets.token_urlsafe(18),
        model_id=get_encoder().model_id,
        embedding=product.embedding,
        preview=b"",
    )
    q = f"like this but in {product.base_colour.lower()}"
    page = results_page(filters=ProductFilters(q=q, photo=photo.token))
    assert page.total == 0
    assert page.dead_end.reason.startswith("Nothing in the catalog looks enough like your photo")
    near = page.dead_end.near
    assert near and near[0] == product  # its own photo is nearest
    # "in blue" means the colour's family (navy is a blue), the colour itself included.
    assert product.base_colour in {p.base_colour for p in near}
    assert {p.base_colour for p in near} <= set(colour_family(product.base_colour))
    content = client.get("/", {"q": q, "photo": photo.token}).content.decode()
    assert 'data-testid="near-matches"' in content and "Not an exact match" in content
    assert 'data-testid="dead-end-reason"' in content
