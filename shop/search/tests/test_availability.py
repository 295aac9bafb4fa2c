"""Availability in search: sold-out products sink (never vanish), and the in-stock toggle."""

from __future__ import annotations

import pytest
from django.db.models import Count
from django.test import Client, override_settings

from shop.catalog.models import Category, Product, ProductVariant
from shop.search import selectors
from shop.search.filters import ProductFilters
from shop.search.results import results_page

pytestmark = pytest.mark.django_db

WORD = "leather"  # named in several products of the test catalog, and no filter word


def _sell_out(product: Product) -> None:
    product.variants.update(stock=0)


def _ids(filters: ProductFilters) -> list[int]:
    return [p.pk for p in results_page(filters=filters, page_size=1000).page.object_list]


@pytest.fixture
def category() -> Category:
    """The article type with the most products in the test catalog."""
    return (
        Category.objects.annotate(n=Count("products")).filter(n__gte=3).order_by("-n", "id").first()
    )


@pytest.fixture
def keyword_only(search_floors) -> list[int]:
    """The keyword channel alone answers WORD (no vector score passes): its order."""
    search_floors(text=2.0, image=2.0)
    ranked = _ids(ProductFilters(q=WORD))
    assert len(ranked) >= 2, "the test catalog should name several products with the word"
    return ranked


def test_a_sold_out_product_shows_after_every_buyable_one_on_a_category_page(category):
    before = _ids(ProductFilters(category=(category.slug,)))
    first = Product.objects.get(pk=before[0])
    _sell_out(first)
    after = _ids(ProductFilters(category=(category.slug,)))
    assert after == [*before[1:], first.pk]


def test_a_sold_out_product_sinks_below_buyable_ones_in_a_search(keyword_only):
    first = Product.objects.get(pk=keyword_only[0])
    _sell_out(first)
    assert _ids(ProductFilters(q=WORD)) == [*keyword_only[1:], first.pk]


def test_sold_out_products_keep_their_relevance_order_among_themselves(keyword_only):
    for pk in keyword_only[:2]:
        _sell_out(Product.objects.get(pk=pk))
    assert _ids(ProductFilters(q=WORD)) == [*keyword_only[2:], *keyword_only[:2]]


def test_a_size_in_stock_keeps_a_product_buyable(keyword_only):
    first = Product.objects.get(pk=keyword_only[0])
    variants = list(first.variants.all())
    ProductVariant.objects.filter(pk__in=[v.pk for v in variants]).update(stock=0)
    ProductVariant.objects.filter(pk=variants[0].pk).update(stock=2)
    assert _ids(ProductFilters(q=WORD)) == keyword_only


@override_settings(SHOP_SEARCH_SOLD_OUT_WEIGHT=0)
def test_with_the_sold_out_weight_at_zero_the_order_is_the_ranking(keyword_only):
    _sell_out(Product.objects.get(pk=keyword_only[0]))
    assert _ids(ProductFilters(q=WORD)) == keyword_only


def test_a_sold_out_product_sinks_under_a_price_sort_too(category):
    Product.objects.filter(category=category).update(price=100)
    before = _ids(ProductFilters(category=(category.slug,), sort="price_asc"))
    _sell_out(Product.objects.get(pk=before[0]))
    assert _ids(ProductFilters(category=(category.slug,), sort="price_asc"))[-1] == before[0]


def test_the_card_of_a_sold_out_product_says_so(client: Client, category):
    product = category.products.order_by("name", "id").first()
    _sell_out(product)
    response = client.get("/", {"category": category.slug})
    content = response.content.decode()
    assert content.count('data-testid="sold-out"') == 1
    assert response.context["results"].page.object_list[-1] == product


def test_in_stock_only_leaves_sold_out_products_out_and_is_in_the_url(client: Client, category):
    product = category.products.order_by("name", "id").first()
    _sell_out(product)
    total = category.products.filter(is_active=True).count()
    filters = ProductFilters.from_query(
        Client().get("/", {"category": category.slug, "in_stock": "1"}).wsgi_request.GET
    )
    assert filters.in_stock and "in_stock=1" in filters.url()
    page = results_page(filters=filters, page_size=1000)
    assert page.total == total - 1 and product not in page.page.object_list
    # Facets count what the toggle lets through.
    facet = next(f for f in page.facets if f.name == "category")
    assert {v.value: v.count for v in facet.values}[category.slug] == total - 1
    content = client.get("/", {"category": category.slug}).content.decode()
    assert 'data-testid="in-stock-toggle"' in content
    assert f'href="/?category={category.slug}&amp;in_stock=1"' in content


def test_the_api_filters_by_stock_and_sinks_sold_out_search_results(client: Client, keyword_only):
    first = Product.objects.get(pk=keyword_only[0])
    _sell_out(first)
    listed = client.get("/api/products/", {"in_stock": "1", "q": WORD}).json()
    assert first.pk not in {p["id"] for p in listed["results"]}
    found = client.post("/api/search/", {"q": WORD, "k": 50}, content_type="application/json")
    assert [hit["id"] for hit in found.json()["results"]] == [*keyword_only[1:], first.pk]
    found = client.post(
        "/api/search/", {"q": WORD, "k": 50, "in_stock": True}, content_type="application/json"
    )
    assert [hit["id"] for hit in found.json()["results"]] == keyword_only[1:]


def test_the_assistant_search_sinks_sold_out_products_too(keyword_only):
    _sell_out(Product.objects.get(pk=keyword_only[0]))
    hits = selectors.product_search(text=WORD, k=50).hits
    assert [hit.product.pk for hit in hits] == [*keyword_only[1:], keyword_only[0]]
