"""``GET /api/products/<id>/recommendations/`` and the blocks on the product page."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shop.catalog.models import Product

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _priced():
    Product.objects.filter(price__isnull=True).update(price=Decimal("999.00"))


def test_the_api_gives_the_product_pages_blocks_never_the_product_itself(client):
    products = list(Product.objects.order_by("id")[:3])
    for product in products[1:]:
        client.get(product.get_absolute_url(), follow=True)  # recently viewed
    product = products[0]
    response = client.get(f"/api/products/{product.pk}/recommendations/")
    assert response.status_code == 200
    blocks = {block["key"]: block for block in response.json()["blocks"]}
    assert blocks, "a product of an embedded catalog has look-alikes at least"
    for block in blocks.values():
        assert block["title"] and block["products"]
        assert product.pk not in [p["id"] for p in block["products"]]
    assert [p["id"] for p in blocks["recently_viewed"]["products"]] == [
        products[2].pk,
        products[1].pk,
    ]


def test_an_unknown_or_hidden_product_is_a_404(client):
    assert client.get("/api/products/999999999/recommendations/").status_code == 404
    product = Product.objects.order_by("id").first()
    Product.objects.filter(pk=product.pk).update(is_active=False)
    assert client.get(f"/api/products/{product.pk}/recommendations/").status_code == 404


def test_the_product_page_shows_the_blocks_that_have_something(client):
    first, second = Product.objects.order_by("id")[:2]
    client.get(second.get_absolute_url(), follow=True)
    html = client.get(first.get_absolute_url(), follow=True).content.decode()
    assert 'data-testid="rec-recently_viewed"' in html and second.name in html
    assert 'data-testid="rec-trending"' not in html  # nothing sold yet
    # Its own "Similar products" stands in for "bought together": not shown twice.
    assert 'data-testid="rec-similar"' not in html


def test_the_cart_shows_what_completes_its_first_item_never_what_is_in_it(client):
    from shop.catalog.models import ProductVariant
    from shop.recommendations import selectors

    for product in Product.objects.order_by("id"):
        look = selectors.complete_the_look(product=product)
        if look:
            break
    variant = ProductVariant.objects.filter(product=product).first()
    client.post("/cart/add/", {"product": product.pk, "variant": variant.pk, "quantity": 1})
    html = client.get("/cart/").content.decode()
    assert 'data-testid="rec-complete_the_look"' in html and look[0].name in html
    blocks = html[html.index('data-testid="rec-complete_the_look"') :]
    assert product.get_absolute_url() not in blocks
