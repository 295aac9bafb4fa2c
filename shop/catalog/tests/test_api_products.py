from __future__ import annotations

from decimal import Decimal

import pytest

from shop.catalog.models import Brand, Category, Product, ProductVariant
from shop.search.filters import ordering

pytestmark = pytest.mark.django_db

FIELDS = {
    "id",
    "external_id",
    "name",
    "brand",
    "article_type",
    "gender",
    "age_group",
    "colour",
    "season",
    "year",
    "usage",
    "price",
    "list_price",
    "currency",
    "price_display",
    "discount_percent",
    "sizes",
    "description",
    "materials_care",
    "size_fit",
    "style_note",
    "attributes",
    "url",
    "image_url",
}


def test_the_product_list_is_paginated(client):
    response = client.get("/api/products/")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == Product.objects.browsable().count() == 80
    assert len(body["results"]) == 24
    assert body["previous"] is None
    assert "page=2" in body["next"]
    # Unsorted and without words: priced products first, newest first (not A to Z).
    names = list(
        Product.objects.browsable().order_by(*ordering("relevance")).values_list("name", flat=True)
    )
    assert [p["name"] for p in body["results"]] == names[:24]


def test_the_last_page_holds_the_rest(client):
    body = client.get("/api/products/", {"page": 4}).json()

    assert len(body["results"]) == 80 - 3 * 24
    assert body["next"] is None


def test_a_page_past_the_end_is_not_found(client):
    assert client.get("/api/products/", {"page": 99}).status_code == 404


def test_the_product_list_filters_by_gender_and_colour(client):
    body = client.get("/api/products/", {"gender": "Men", "colour": ["Black", "Blue"]}).json()

    expected = Product.objects.browsable().filter(gender="Men", base_colour__in=["Black", "Blue"])
    assert body["count"] == expected.count() > 0
    assert {p["id"] for p in body["results"]} == set(expected.values_list("pk", flat=True))
    assert all(p["gender"] == "Men" and p["colour"] in ("Black", "Blue") for p in body["results"])


def test_the_product_list_filters_by_category_slug_or_name(client):
    category = Category.objects.get(name="Tshirts")
    expected = set(category.products.values_list("pk", flat=True))

    by_slug = client.get("/api/products/", {"category": category.slug}).json()
    by_name = client.get("/api/products/", {"category": "Tshirts"}).json()

    assert {p["id"] for p in by_slug["results"]} == expected
    assert {p["id"] for p in by_name["results"]} == expected
    assert all(p["article_type"] == "Tshirts" for p in by_slug["results"])


def test_the_product_list_searches_keywords(client):
    body = client.get("/api/products/", {"q": "Puma"}).json()

    expected = Product.objects.browsable().filter(name__icontains="puma")
    assert body["count"] == expected.count() > 0
    assert all("puma" in p["name"].lower() for p in body["results"])


def test_the_product_list_leaves_out_inactive_products(client):
    product = Product.objects.get(external_id="1165")
    Product.objects.filter(pk=product.pk).update(is_active=False)

    body = client.get("/api/products/", {"q": "Cricket Jersey"}).json()

    assert product.pk not in {p["id"] for p in body["results"]}
    assert client.get("/api/products/").json()["count"] == 79


def test_a_product_returns_its_fields(client):
    product = Product.objects.get(external_id="1165")
    brand = Brand.objects.create(name="Nike", slug="nike")
    Product.objects.filter(pk=product.pk).update(
        price=Decimal("1299.50"),
        list_price=Decimal("2599.00"),
        brand=brand,
        age_group="Adults-Men",
        description='<p>Light <strong>mesh</strong><a href="x">jersey</a></p>',
        attributes={"Fit": "Regular Fit"},
    )
    ProductVariant.objects.filter(product=product).delete()
    for position, (size, stock) in enumerate([("S", 0), ("M", None), ("L", 2)]):
        ProductVariant.objects.create(
            product=product, size=size, sku=f"1165-{size}", stock=stock, position=position
        )
    ProductVariant.objects.create(
        product=product, size="XL", sku="1165-XL", position=9, is_active=False
    )

    response = client.get(f"/api/products/{product.pk}/")

    assert response.status_code == 200
    body = response.json()
    assert set(body) == FIELDS
    assert body == body | {
        "id": product.pk,
        "external_id": "1165",
        "name": "Nike Mean Team India Cricket Jersey",
        "article_type": "Tshirts",
        "gender": "Men",
        "colour": "Blue",
        "season": "Summer",
        "year": 2013,
        "usage": "Sports",
        "brand": "Nike",
        "age_group": "Adults-Men",
        "price": "1299.50",
        "list_price": "2599.00",
        "currency": "INR",
        "price_display": "₹1,299.50",
        "discount_percent": 50,
        "sizes": [
            {"size": "S", "sku": "1165-S", "in_stock": False},
            {"size": "M", "sku": "1165-M", "in_stock": True},
            {"size": "L", "sku": "1165-L", "in_stock": True},
        ],
        "description": "<p>Light <strong>mesh</strong>jersey</p>",
        "materials_care": "",
        "attributes": {"Fit": "Regular Fit"},
        "url": f"/products/{product.pk}-nike-mean-team-india-cricket-jersey/",
    }
    assert body["image_url"] == product.thumbnail.url
    assert body["image_url"].startswith("/media/thumbs/")


def test_a_product_without_a_price_returns_null(client):
    product = Product.objects.filter(price__isnull=True).first()

    body = client.get(f"/api/products/{product.pk}/").json()

    assert body["price"] is None
    assert (body["price_display"], body["discount_percent"], body["brand"]) == (None, None, None)
    assert body["sizes"] == [
        {"size": "One size", "sku": f"{product.external_id}-Onesize", "in_stock": True}
    ]


def test_an_unknown_product_is_not_found(client):
    missing = Product.objects.order_by("-pk").first().pk + 1000

    assert client.get(f"/api/products/{missing}/").status_code == 404


def test_an_inactive_product_is_not_found(client):
    product = Product.objects.first()
    Product.objects.filter(pk=product.pk).update(is_active=False)

    assert client.get(f"/api/products/{product.pk}/").status_code == 404


def test_the_api_is_read_only(client):
    product = Product.objects.first()

    assert client.post("/api/products/", {"name": "x"}).status_code == 405
    assert client.delete(f"/api/products/{product.pk}/").status_code == 405
    assert Product.objects.filter(pk=product.pk).exists()


def test_the_schema_is_published(client):
    response = client.get("/api/schema/", {"format": "json"})

    assert response.status_code == 200
    schema = response.json()
    assert "/api/products/" in schema["paths"]
    assert "/api/products/{id}/" in schema["paths"]
    product = schema["components"]["schemas"]["ProductOutput"]["properties"]
    assert {"brand", "price_display", "discount_percent", "sizes", "description"} <= set(product)
    size = schema["components"]["schemas"]["ProductSize"]["properties"]
    assert set(size) == {"size", "sku", "in_stock"}
