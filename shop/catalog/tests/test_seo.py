"""What search engines and link previews read: slugged product URLs, canonical links,
meta descriptions, schema.org JSON-LD, Open Graph, robots.txt, sitemap.xml; and gzip."""

from __future__ import annotations

import gzip
import json
import re
from decimal import Decimal

import pytest

from shop.catalog.models import Product, ProductVariant

pytestmark = pytest.mark.django_db


def _json_ld(content: str) -> list[dict]:
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', content, re.S)
    return [json.loads(block) for block in blocks]


@pytest.fixture
def product() -> Product:
    product = Product.objects.filter(image__gt="").order_by("id").first()
    Product.objects.filter(pk=product.pk).update(price=Decimal("1299.00"))
    product.refresh_from_db()
    return product


def test_a_product_url_carries_a_slug_and_the_old_url_moves_permanently(client, product):
    url = product.get_absolute_url()
    assert re.fullmatch(rf"/products/{product.pk}-[a-z0-9-]+/", url)
    assert client.get(url).status_code == 200
    for old in (f"/products/{product.pk}/", f"/products/{product.pk}-an-old-name/"):
        response = client.get(old)
        assert response.status_code == 301 and response["Location"] == url


def test_the_product_page_has_canonical_description_open_graph_and_structured_data(client, product):
    product.variants.all().delete()
    ProductVariant.objects.create(product=product, size="M", sku="x-M", stock=3)
    content = client.get(product.get_absolute_url()).content.decode()

    url = f"http://testserver{product.get_absolute_url()}"
    assert f'<link rel="canonical" href="{url}">' in content
    assert re.search(r'<meta name="description" content="[^"]{20,}">', content)
    assert f'<meta property="og:url" content="{url}">' in content
    assert '<meta property="og:image" content="http://testserver/media/' in content
    item, crumbs = _json_ld(content)
    assert item["@type"] == "Product" and item["name"] == product.name
    assert item["offers"]["price"] == "1299.00" and item["offers"]["priceCurrency"] == "INR"
    assert item["offers"]["availability"] == "https://schema.org/InStock"
    assert [c["position"] for c in crumbs["itemListElement"]] == [1, 2, 3]
    assert crumbs["itemListElement"][-1]["item"] == url


def test_a_sold_out_product_is_out_of_stock_for_search_engines_too(client, product):
    product.variants.update(stock=0)
    item, _crumbs = _json_ld(client.get(product.get_absolute_url()).content.decode())
    assert item["offers"]["availability"] == "https://schema.org/OutOfStock"


def test_a_product_name_cannot_break_out_of_the_structured_data(client, product):
    Product.objects.filter(pk=product.pk).update(
        name='Tee </script><script>alert(1)</script> & "co"'
    )
    product.refresh_from_db()
    content = client.get(product.get_absolute_url()).content.decode()
    assert "<script>alert(1)" not in content
    item, _crumbs = _json_ld(content)
    assert item["name"] == product.name


def test_search_pages_are_not_indexed_and_browse_pages_are_canonical(client):
    search = client.get("/", {"q": "shirt"}).content.decode()
    assert '<meta name="robots" content="noindex, follow">' in search
    assert 'rel="canonical"' not in search
    browse = client.get("/", {"gender": "Men"}).content.decode()
    assert "noindex" not in browse
    assert '<link rel="canonical" href="http://testserver/?gender=Men">' in browse


def test_robots_txt_keeps_crawlers_out_of_searches_and_private_pages(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    for path in ("/search/", "/cart/", "/checkout/", "/admin/"):
        assert f"Disallow: {path}" in text
    assert "Sitemap: http://testserver/sitemap.xml" in text


def test_the_sitemap_lists_the_home_page_article_types_and_every_product(client, product):
    content = client.get("/sitemap.xml").content.decode()
    locations = re.findall(r"<loc>(.*?)</loc>", content)
    assert "http://testserver/" in locations
    assert f"http://testserver{product.get_absolute_url()}" in locations
    assert f"http://testserver{product.category.get_absolute_url()}" in locations
    assert len([loc for loc in locations if "/products/" in loc]) == (
        Product.objects.browsable().count()
    )


def test_every_page_links_a_favicon_and_has_one_h1(client, product):
    for url in ("/", "/?gender=Men", "/?q=shirt", product.get_absolute_url(), "/cart/"):
        content = client.get(url).content.decode()
        assert '<link rel="icon" href="/static/favicon.svg"' in content, url
        assert len(re.findall(r"<h1[ >]", content)) == 1, url
        assert '<a class="skip-link" href="#main">' in content, url


def test_anonymous_catalog_pages_are_gzipped_and_private_ones_are_not(client, product):
    home = client.get("/", HTTP_ACCEPT_ENCODING="gzip")
    assert home["Content-Encoding"] == "gzip"
    assert b"<h1" in gzip.decompress(home.content)
    assert "Accept-Encoding" in home["Vary"]
    cart = client.get("/cart/", HTTP_ACCEPT_ENCODING="gzip")
    assert cart.status_code == 200 and not cart.has_header("Content-Encoding")


def test_a_signed_in_shoppers_pages_are_not_gzipped(client, product, django_user_model):
    client.force_login(django_user_model.objects.create_user("asha", "asha@example.com", "pw"))
    page = client.get(product.get_absolute_url(), HTTP_ACCEPT_ENCODING="gzip")
    assert page.status_code == 200 and not page.has_header("Content-Encoding")
