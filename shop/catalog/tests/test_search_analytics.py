"""Merchant analytics, autocomplete and the home page's storefront shelf."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from shop.catalog.analytics import query_stats, suggestions
from shop.catalog.models import Brand, Product, SearchQueryLog, StorefrontSettings

pytestmark = pytest.mark.django_db


def _log(query: str, results: int, clicked: Product | None = None, days_ago: int = 0):
    log = SearchQueryLog.objects.create(query=query, result_count=results, clicked_product=clicked)
    if days_ago:
        SearchQueryLog.objects.filter(pk=log.pk).update(
            created_at=timezone.now() - timedelta(days=days_ago)
        )
    return log


def test_query_stats_count_searches_clicks_and_zero_results_over_a_period():
    product = Product.objects.first()
    _log("kurta", 5, clicked=product)
    _log("kurta", 5)
    _log("spaceship", 0)
    _log("kurta", 5, days_ago=40)
    stats = {s.query: s for s in query_stats(since=timezone.now() - timedelta(days=7))}
    assert (stats["kurta"].searches, stats["kurta"].clicks, stats["kurta"].zero_results) == (
        2,
        1,
        0,
    )
    assert stats["kurta"].click_through == 0.5
    assert stats["spaceship"].zero_results == 1
    long_ago = {s.query: s for s in query_stats(since=timezone.now() - timedelta(days=90))}
    assert long_ago["kurta"].searches == 3


def test_the_admin_report_shows_top_and_zero_result_queries(admin_client: Client):
    _log("kurta", 5, clicked=Product.objects.first())
    _log("kurta", 5)
    _log("spaceship", 0)
    response = admin_client.get("/admin/catalog/searchquerylog/report/", {"days": "30"})
    content = response.content.decode()
    assert response.status_code == 200
    top = content.split('id="top-queries"')[1].split("</table>")[0]
    zero = content.split('id="zero-queries"')[1].split("</table>")[0]
    assert "<td>kurta</td><td>2</td><td>1</td><td>50%</td>" in top
    assert "spaceship" in zero and "kurta" not in zero
    assert "3 searches with words, 1 with a click: click-through 33%" in content
    assert admin_client.get("/admin/catalog/searchquerylog/report/?days=%00").status_code == 200


def test_the_report_is_for_staff_only(client: Client):
    response = client.get("/admin/catalog/searchquerylog/report/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_autocomplete_offers_article_types_brands_products_and_popular_searches():
    product = Product.objects.order_by("id").first()
    Brand.objects.create(name="Kurtaland", slug="kurtaland")
    for _ in range(2):
        _log("kurta for a wedding", 3)
    _log("kurta nobody found", 0)
    found = suggestions(text="kurta")
    kinds = {(s.kind, s.label) for s in found}
    assert ("Brand", "Kurtaland") in kinds
    assert ("Popular search", "kurta for a wedding") in kinds
    assert ("Popular search", "kurta nobody found") not in kinds
    assert (
        any(kind == "Article type" for kind, _ in kinds)
        == Product.objects.filter(category__name__icontains="kurta").exists()
    )
    word = product.name.split()[-1].lower()
    assert any(s.kind == "Product" for s in suggestions(text=word))
    assert suggestions(text="k") == []


def test_the_autocomplete_endpoint_answers_a_listbox_fragment(client: Client):
    response = client.get("/search/suggest/", {"q": "shi"})
    assert response.status_code == 200
    content = response.content.decode()
    assert 'role="option"' in content
    assert "<html" not in content
    assert client.get("/search/suggest/", {"q": "%00<script>"}).status_code == 200


def test_the_home_page_shows_new_arrivals_or_the_merchants_collection(client: Client):
    content = client.get("/").content.decode()
    assert 'data-testid="home-shelf"' in content and "New arrivals" in content
    chosen = list(Product.objects.order_by("-id")[:2])
    settings = StorefrontSettings.load()
    settings.home = StorefrontSettings.COLLECTION
    settings.collection_title = "Festive picks"
    settings.save()
    settings.collection.set(chosen)
    content = client.get("/").content.decode()
    shelf = content.split('data-testid="home-shelf"')[1].split("</section>")[0]
    assert "Festive picks" in shelf
    assert shelf.count('class="card"') == 2
    # Searches and filtered pages go straight to their results.
    assert 'data-testid="home-shelf"' not in client.get("/", {"q": "shirt"}).content.decode()
