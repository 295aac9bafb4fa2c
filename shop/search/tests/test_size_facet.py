"""The Size facet: sizes in stock, in a sensible order, disjunctive, in the URL, the API and
the shopper's words."""

from __future__ import annotations

import pytest
from django.db.models import Count
from django.http import QueryDict
from django.test import Client

from shop.catalog.models import Category, Product, ProductVariant
from shop.catalog.sizes import size_group, size_key
from shop.search.filters import ProductFilters
from shop.search.query import understand
from shop.search.results import results_page
from shop.search.vocabulary import get_vocabulary

pytestmark = pytest.mark.django_db


def _size_counts(filters: ProductFilters) -> dict[str, int]:
    facet = next(f for f in results_page(filters=filters).facets if f.name == "size")
    return {v.value: v.count for v in facet.values}


def _in_stock_with(size: str) -> set[int]:
    return set(
        ProductVariant.objects.filter(size=size, is_active=True, product__is_active=True)
        .exclude(stock=0)
        .values_list("product_id", flat=True)
    )


@pytest.fixture
def letter_sized() -> Category:
    """The biggest article type, its products sold in XL, L, M and S (the test catalog's
    products have no style records, so one "One size" each)."""
    category = (
        Category.objects.annotate(n=Count("products")).filter(n__gte=3).order_by("-n", "id").first()
    )
    for product in category.products.order_by("id"):
        product.variants.all().delete()
        for position, size in enumerate(("XL", "L", "M", "S")):
            ProductVariant.objects.create(
                product=product,
                size=size,
                sku=f"{product.external_id}-{size}",
                position=position,
                stock=None if size != "L" else 3,
            )
    return category


def test_sizes_are_ordered_by_group_then_naturally():
    sizes = ["One size", "UK10", "XL", "32", "S", "EURO41", "UK9", "M", "2-3Y", "28", "XS", "34B"]
    assert sorted(sizes, key=size_key) == [
        "XS", "S", "M", "XL", "28", "32", "UK9", "UK10", "EURO41", "34B", "2-3Y", "One size",
    ]  # fmt: skip
    assert [size_group(s) for s in ("XL/44", "US8.5", "0-3M", "Onesize", "20L")] == [
        "Letter", "US", "Age", "One size", "Other",
    ]  # fmt: skip


def test_the_size_facet_counts_products_with_the_size_in_stock(letter_sized):
    filters = ProductFilters(category=(letter_sized.slug,))
    products = set(letter_sized.products.values_list("id", flat=True))
    assert _size_counts(filters)["M"] == len(_in_stock_with("M") & products)
    sold_out = ProductVariant.objects.filter(size="M", product__category=letter_sized).first()
    sold_out.stock = 0
    sold_out.save()
    assert _size_counts(filters)["M"] == len(_in_stock_with("M") & products)
    assert sold_out.product_id not in _in_stock_with("M")


def test_the_size_facet_lists_letter_sizes_in_order(letter_sized):
    facet = next(
        f
        for f in results_page(filters=ProductFilters(category=(letter_sized.slug,))).facets
        if f.name == "size"
    )
    letters = [v.value for v in facet.values if v.group == "Letter"]
    assert letters == sorted(letters, key=size_key) and {"S", "M", "L"} <= set(letters)
    assert facet.label == "Size"


def test_choosing_a_size_shows_products_with_it_in_stock_and_keeps_other_sizes_counted(
    letter_sized,
):
    chosen = ProductFilters(category=(letter_sized.slug,), size=("M",))
    page = results_page(filters=chosen, page_size=1000)
    expected = _in_stock_with("M") & set(letter_sized.products.values_list("id", flat=True))
    assert {p.pk for p in page.page.object_list} == expected
    counts = _size_counts(chosen)  # disjunctive: the other sizes still count
    assert counts == _size_counts(ProductFilters(category=(letter_sized.slug,)))
    assert "Size: M" in [chip.label for chip in page.chips]


def test_sizes_round_trip_through_the_url():
    filters = ProductFilters.from_query(QueryDict("size=M&size=UK9&in_stock=1"))
    assert filters.size == ("M", "UK9") and filters.in_stock
    assert filters.url() == "/?size=M&size=UK9&in_stock=1"


def test_size_words_become_a_size_filter_with_a_chip(letter_sized):
    words = f"size m {letter_sized.name}".lower()
    understanding = understand(words, get_vocabulary())
    assert understanding.facets["size"] == ("M",)
    assert understanding.facets["category"] == (letter_sized.name,)
    assert understanding.remaining == ""
    page = results_page(filters=ProductFilters(q=words), page_size=1000)
    assert page.total and {p.pk for p in page.page.object_list} <= _in_stock_with("M")
    chip = next(chip for chip in page.chips if chip.label == "Size: M")
    rest = letter_sized.name.lower().replace(" ", "+")
    assert chip.understood and chip.url == f"/?q={rest}"


def test_a_shoe_size_reads_as_the_uk_size_the_catalog_writes():
    product = Product.objects.order_by("id").first()
    ProductVariant.objects.create(product=product, size="UK9", sku="test-uk9")
    understanding = understand("size 9 running shoes", get_vocabulary())
    assert understanding.facets["size"] == ("UK9",)
    assert understanding.size_phrase == "size 9"
    assert understand("sports shoes uk 9", get_vocabulary()).facets["size"] == ("UK9",)
    # A size the catalog does not sell is no filter.
    assert "size" not in understand("size 13 shoes", get_vocabulary()).facets


def test_the_api_filters_by_size(client: Client, letter_sized):
    listed = client.get("/api/products/", {"size": "M", "category": letter_sized.slug}).json()
    assert listed["count"] == len(
        _in_stock_with("M") & set(letter_sized.products.values_list("id", flat=True))
    )
    found = client.post(
        "/api/search/", {"q": "tshirt", "size": "XXXS-none"}, content_type="application/json"
    )
    assert found.status_code == 400 and "size" in found.json()["detail"]
