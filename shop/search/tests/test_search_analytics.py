"""Merchant analytics, autocomplete and the home page's storefront shelf."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from shop.catalog.models import Brand, Product, StorefrontSettings
from shop.search.analytics import suggestions
from shop.search.models import SearchEvent, SearchQueryLog

pytestmark = pytest.mark.django_db


def _log(
    query: str,
    results: int,
    clicked: Product | None = None,
    days_ago: int = 0,
    shopper: str = "s1",
):
    log = SearchQueryLog.objects.create(
        query=query, result_count=results, clicked_product=clicked, shopper=shopper
    )
    if clicked is not None:
        SearchEvent.objects.create(search=log, kind="click", product=clicked, position=1)
    if days_ago:
        SearchQueryLog.objects.filter(pk=log.pk).update(
            created_at=timezone.now() - timedelta(days=days_ago)
        )
    return log


def test_the_admin_report_shows_top_and_zero_result_queries(admin_client: Client):
    _log("kurta", 5, clicked=Product.objects.first())
    _log("kurta", 5)
    _log("spaceship", 0)
    response = admin_client.get("/admin/search/searchquerylog/report/", {"days": "30"})
    content = response.content.decode()
    assert response.status_code == 200
    top = content.split('id="top-queries"')[1].split("</table>")[0]
    zero = content.split('id="zero-queries"')[1].split("</table>")[0]
    assert "<td>kurta</td><td>2</td><td>0%</td><td>50%</td><td>1.0</td>" in top
    assert "spaceship" in zero and "kurta" not in zero
    assert "3 searches · zero results 33% · click-through 33%" in content
    assert admin_client.get("/admin/search/searchquerylog/report/?days=%00").status_code == 200


def test_the_report_is_for_staff_only(client: Client):
    response = client.get("/admin/search/searchquerylog/report/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_autocomplete_offers_article_types_brands_products_and_popular_searches():
    product = Product.objects.order_by("id").first()
    Brand.objects.create(name="Kurtaland", slug="kurtaland")
    for shopper in ("s1", "s2", "s3"):  # SHOP_POPULAR_SEARCH_MIN_SHOPPERS distinct shoppers
        _log("kurta for a wedding", 3, shopper=shopper)
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
