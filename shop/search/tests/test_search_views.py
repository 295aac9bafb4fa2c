"""The storefront search page and POST /api/search/, uploads included."""

from __future__ import annotations

import io
import time

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from conftest import BAD_IMAGES, bad_image_manifest, reject_status
from shop.catalog.models import Product
from shop.search.selectors import keyword_query

pytestmark = pytest.mark.django_db

MANIFEST = bad_image_manifest()


def _upload(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, (BAD_IMAGES / name).read_bytes())


def _product_photo(product: Product) -> SimpleUploadedFile:
    path = settings.SHOP_SAMPLE_CATALOG / "images" / f"{product.external_id}.jpg"
    return SimpleUploadedFile(path.name, path.read_bytes(), content_type="image/jpeg")


def _results(response) -> list[Product]:
    return list(response.context["results"].page.object_list)


def test_text_search_renders_results_on_the_one_results_page(client: Client) -> None:
    response = client.get("/", {"q": "shirt"})
    assert response.status_code == 200
    assert b'data-testid="product-grid"' in response.content
    assert b"<html" in response.content


def test_an_old_search_link_redirects_to_the_results_page(client: Client) -> None:
    response = client.get(reverse("search:search"), {"q": "shirt", "colour": "Blue"})
    assert response.status_code == 302
    assert response["Location"] == "/?q=shirt&colour=Blue"


def test_a_text_only_post_redirects_to_a_shareable_url(client: Client) -> None:
    response = client.post(reverse("search:search"), {"q": "navy blue", "gender": "Men"})
    assert response.status_code == 302
    assert response["Location"] == "/?q=navy+blue&gender=Men"


def test_htmx_search_returns_the_results_region_and_pushes_its_url(client: Client) -> None:
    response = client.post(reverse("search:search"), {"q": "shirt"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert b"<html" not in response.content
    assert b'data-testid="listing"' in response.content
    assert response["HX-Push-Url"] == "/?q=shirt"


def test_a_photo_search_keeps_the_photo_under_a_token_and_finds_the_product(
    client: Client,
) -> None:
    product = Product.objects.order_by("id")[5]
    response = client.post(reverse("search:search"), {"image": _product_photo(product)})
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith("/?photo=")
    page = client.get(location)
    assert page.status_code == 200
    assert b"data:image/jpeg;base64," in page.content
    assert _results(page)[0] == product
    # Sorting the same photo search needs no new upload.
    again = client.get(location + "&sort=name")
    assert product in _results(again)


def test_photo_plus_words_naming_a_colour_filters_photo_matches_by_that_colour(
    client: Client,
) -> None:
    product = Product.objects.exclude(base_colour="").order_by("id")[9]
    response = client.post(
        reverse("search:search"),
        {
            "image": _product_photo(product),
            "q": f"like this but in {product.base_colour}",
            "category": product.category.slug,
        },
        follow=True,
    )
    assert response.status_code == 200
    hits = _results(response)
    assert hits[0] == product
    assert {(h.category_id, h.base_colour) for h in hits} == {
        (product.category_id, product.base_colour)
    }
    assert f"Colour: {product.base_colour}" in [c.label for c in response.context["results"].chips]


def test_search_output_is_escaped(client: Client) -> None:
    response = client.get("/", {"q": "<script>alert(1)</script>"})
    assert response.status_code == 200
    assert b"<script>alert(1)</script>" not in response.content
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in response.content


@pytest.mark.parametrize("row", MANIFEST, ids=[row["file"] for row in MANIFEST])
def test_every_hostile_upload_gets_what_its_manifest_says_on_the_page(
    client: Client, row: dict[str, str]
) -> None:
    started = time.monotonic()
    response = client.post(reverse("search:search"), {"image": _upload(row["file"])})
    elapsed = time.monotonic() - started
    # A hostile file is refused or decoded at a bounded cost, never minutes of a worker
    # (generous: this suite also runs on loaded 2-core machines).
    assert elapsed < 10.0
    if row["expected"] == "accept":
        assert response.status_code == 302
        assert response["Location"].startswith("/?photo=")
    else:
        assert response.status_code == reject_status(row)
        assert response.context["error"]
        assert row["file"].encode() not in response.content


@pytest.mark.parametrize("row", MANIFEST, ids=[row["file"] for row in MANIFEST])
def test_every_hostile_upload_gets_what_its_manifest_says_from_the_api(
    client: Client, row: dict[str, str], search_floors
) -> None:
    search_floors(text=-2.0, image=-2.0)  # any photo that decodes finds products
    started = time.monotonic()
    response = client.post("/api/search/", {"image": _upload(row["file"])})
    assert time.monotonic() - started < 2.0
    if row["expected"] == "accept":
        assert response.status_code == 200
        assert response.json()["results"]
    else:
        assert response.status_code == reject_status(row)
        assert set(response.json()) == {"detail"}
        assert response.json()["detail"]


def test_an_upload_over_the_byte_limit_is_413(client: Client, settings) -> None:
    settings.SHOP_UPLOAD_MAX_BYTES = 50_000
    buffer = io.BytesIO()
    Image.effect_noise((400, 400), 80).convert("RGB").save(buffer, "PNG")
    assert buffer.tell() > 50_000
    upload = SimpleUploadedFile("big.png", buffer.getvalue())
    assert client.post("/api/search/", {"image": upload}).status_code == 413
    upload.seek(0)
    response = client.post(reverse("search:search"), {"image": upload})
    assert response.status_code == 413


def test_the_api_searches_by_text_with_the_documented_shape(client: Client, search_floors) -> None:
    search_floors(text=-2.0, image=-2.0)
    response = client.post("/api/search/", {"q": "shirt", "k": 5}, content_type="application/json")
    assert response.status_code == 200
    results = response.json()["results"]
    assert len(results) == 5
    assert set(results[0]) == {
        "id",
        "name",
        "article_type",
        "colour",
        "score",
        "url",
        "image_url",
        "click_token",
    }
    assert response.json()["search_id"]
    product = Product.objects.get(pk=results[0]["id"])
    assert results[0]["url"] == product.get_absolute_url()
    assert results[0]["article_type"] == product.category.name


def test_the_api_filters_by_repeated_categories_by_name_or_slug(
    client: Client, search_floors
) -> None:
    search_floors(text=-2.0, image=-2.0)  # every product of the types is vouched for
    categories = list({p.category for p in Product.objects.all()})[:2]
    response = client.post(
        "/api/search/",
        {"q": "nice", "category": [categories[0].name, categories[1].slug], "k": 100},
    )
    assert response.status_code == 200
    names = {r["article_type"] for r in response.json()["results"]}
    assert names == {categories[0].name, categories[1].name}
    expected = Product.objects.filter(category__in=categories).count()
    assert len(response.json()["results"]) == expected


@pytest.mark.parametrize("q", ["spaceship", "zzzz"])
def test_the_api_answers_nonsense_with_no_results(client: Client, q: str) -> None:
    response = client.post("/api/search/", {"q": q}, content_type="application/json")
    assert response.status_code == 200
    assert response.json()["results"] == []
    category = Product.objects.order_by("id").first().category
    response = client.post(
        "/api/search/", {"q": q, "category": category.name}, content_type="application/json"
    )
    assert response.json()["results"] == []


def test_the_api_returns_keyword_matches_and_no_vector_match_below_the_floor(
    client: Client, search_floors
) -> None:
    search_floors(text=2.0, image=2.0)  # no vector score can pass
    expected = set(
        Product.objects.filter(search_vector=keyword_query("leather")).values_list("id", flat=True)
    )
    assert expected
    response = client.post(
        "/api/search/", {"q": "leather", "k": 100}, content_type="application/json"
    )
    assert {r["id"] for r in response.json()["results"]} == expected
    response = client.post("/api/search/", {"q": "xqzv plomb"}, content_type="application/json")
    assert response.json()["results"] == []
    search_floors(text=-2.0, image=-2.0)  # now every vector score passes
    response = client.post("/api/search/", {"q": "xqzv plomb"}, content_type="application/json")
    assert len(response.json()["results"]) == 12


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({}, "Give `q`"),
        ({"q": "   "}, "Give `q`"),
        ({"q": "x", "k": 0}, "k:"),
        ({"q": "x", "k": 101}, "k:"),
        ({"q": "x", "category": ["Ballgowns"]}, "Unknown category: Ballgowns"),
        ({"q": "x" * 201}, "q:"),
        ({"q": "\u0001\u0002"}, "Give `q`"),
        ({"q": "x", "gender": ["Martians"]}, "Unknown gender: Martians"),
        ({"q": "x", "colour": ["Octarine"]}, "Unknown colour: Octarine"),
    ],
)
def test_the_api_rejects_bad_input_with_a_detail(
    client: Client, payload: dict, message: str
) -> None:
    response = client.post("/api/search/", payload, content_type="application/json")
    assert response.status_code == 400
    assert message in response.json()["detail"]


def test_the_schema_documents_the_search_endpoint(client: Client) -> None:
    import yaml

    response = client.get("/api/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    search = schema["paths"]["/api/search/"]["post"]
    assert set(search["responses"]) >= {"200", "400", "413", "503"}
    ok = search["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    assert set(schema["components"]["schemas"][ok.rsplit("/", 1)[1]]["properties"]) >= {"results"}
    listed = {p["name"] for p in schema["paths"]["/api/products/"]["get"]["parameters"]}
    assert listed >= {"q", "category", "gender", "colour", "season", "usage", "page"}


def test_product_pages_show_similar_products(client: Client) -> None:
    product = Product.objects.order_by("id").first()
    response = client.get(product.get_absolute_url())
    assert response.status_code == 200
    similar = response.context["similar"]
    assert len(similar) == 8 and product not in similar
    assert b'data-testid="similar-products"' in response.content


def test_the_dev_tiny_banner_is_shown_on_the_storefront_and_admin(admin_client: Client) -> None:
    assert b'data-testid="dev-tiny-banner"' in admin_client.get("/").content
    assert b'data-testid="dev-tiny-banner"' in admin_client.get("/admin/").content


@pytest.mark.parametrize(
    "url",
    [
        "/?q=%00",
        "/?colour=%00&gender=%01",
        "/search/?q=%00abc",
        "/search/?q=a&category=%00",
        "/api/products/?q=%00",
        "/api/products/?colour=%00",
        "/?q=%26%7C%21",
        "/search/?q=%26%7C%21%3A%2A",
        "/?page=-1&sort=%00",
    ],
)
def test_odd_characters_in_any_input_never_cause_a_server_error(client: Client, url: str) -> None:
    response = client.get(url, follow=True)
    assert response.status_code == 200


def test_paging_a_text_search_keeps_its_words_and_order(client: Client) -> None:
    first = client.get("/", {"q": "men"})
    total = first.context["results"].total
    assert total > 24
    assert b'href="/?q=men&amp;page=2"' in first.content
    second = client.get("/", {"q": "men", "page": "2"})
    assert second.context["results"].total == total
    assert not set(_results(first)) & set(_results(second))


@pytest.mark.parametrize("url", ["/?colour=Red", "/?q=shirt"])
def test_an_htmx_history_restore_gets_the_whole_page(client: Client, url: str) -> None:
    partial = client.get(url, HTTP_HX_REQUEST="true")
    restore = client.get(url, HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true")
    assert b"<html" not in partial.content
    assert b"<html" in restore.content
    assert "HX-Request" in partial["Vary"]


@pytest.mark.parametrize("url", ["/", "/?q=shirt", "/api/docs/", "/admin/login/"])
def test_pages_load_nothing_from_other_hosts(client: Client, url: str) -> None:
    import re

    response = client.get(url)
    assert response.status_code == 200
    # The canonical link names this page's own absolute URL: a name, nothing loaded.
    body = re.sub(rb'<link rel="canonical" href="http://testserver/[^"]*">', b"", response.content)
    external = re.findall(rb'(?:src|href)="(?:https?:)?//[^"]*"', body)
    assert external == []


@pytest.mark.parametrize("url", ["/search/", "/assistant/ask/", "/api/search/"])
def test_an_oversized_body_is_refused_before_anything_parses_it(
    settings, monkeypatch, url: str
) -> None:
    from django.http.multipartparser import MultiPartParser

    def parsed(self):
        raise AssertionError("the oversized body was parsed")

    settings.SHOP_UPLOAD_MAX_BYTES = 1024
    monkeypatch.setattr(MultiPartParser, "parse", parsed)
    client = Client(enforce_csrf_checks=True)  # CsrfViewMiddleware would read the body
    big = SimpleUploadedFile("big.jpg", b"\xff" * 200_000)
    response = client.post(url, {"image": big, "message": "a watch", "q": "x"})
    assert response.status_code == 413


def test_a_normal_post_without_a_csrf_token_is_still_refused() -> None:
    client = Client(enforce_csrf_checks=True)
    assert client.post("/search/", {"q": "shirt"}).status_code == 403
    assert client.post("/assistant/ask/", {"message": "a watch"}).status_code == 403


@pytest.mark.parametrize("url", ["/", "/?q=shirt", "/products/1/"])
def test_head_requests_are_answered(client: Client, url: str) -> None:
    product = Product.objects.order_by("id").first()
    url = url.replace("/products/1/", product.get_absolute_url())
    assert client.head(url).status_code == 200


def test_a_plain_text_post_with_junk_fields_redirects_to_a_clean_url(client: Client) -> None:
    junk = {f"junk{i}": "x" * 40 for i in range(800)}
    response = client.post(reverse("search:search"), {"q": "shirt" * 1000, **junk})
    assert response.status_code == 302
    assert "junk" not in response["Location"]
    assert len(response["Location"]) < 300


def test_the_api_takes_one_category_as_a_plain_json_string(client: Client, search_floors) -> None:
    search_floors(text=-2.0, image=-2.0)
    category = Product.objects.order_by("id").first().category
    response = client.post(
        "/api/search/", {"q": "nice", "category": category.name}, content_type="application/json"
    )
    assert response.status_code == 200
    assert {r["article_type"] for r in response.json()["results"]} == {category.name}
