from __future__ import annotations

import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from shop import uploads
from shop.assistant.models import Conversation
from shop.assistant.tests.conftest import INJECTION, PROBE, SHOES
from shop.catalog.models import Category, Product

pytestmark = pytest.mark.django_db

URL = "/api/assistant/"


@pytest.fixture
def api() -> APIClient:
    return APIClient()


def test_it_answers_json_with_the_documented_shape(api):
    response = api.post(URL, {"message": "show me two pairs of shoes"}, format="json")

    assert response.status_code == 200
    body = response.json()
    assert set(body) >= {
        "categories",
        "number_of_items",
        "not_carried",
        "advice",
        "products",
        "backend",
    }
    assert set(body["categories"]) == SHOES
    assert body["number_of_items"] == 2
    assert body["not_carried"] == []
    assert body["backend"] == "offline"
    assert body["advice"]
    assert len(body["products"]) == 2
    product = Product.objects.get(pk=body["products"][0]["id"])
    assert body["products"][0] == {
        "id": product.pk,
        "name": product.name,
        "url": product.get_absolute_url(),
        "image_url": product.thumbnail.url,
        "article_type": product.category.name,
        "colour": product.base_colour,
        "price": None,
        "note": "",
    }


def test_it_accepts_multipart_with_a_photo(api):
    photo = SimpleUploadedFile(PROBE.name, PROBE.read_bytes(), content_type="image/png")

    response = api.post(URL, {"message": "a watch like this", "image": photo}, format="multipart")

    assert response.status_code == 200
    assert [p["article_type"] for p in response.json()["products"]] == ["Watches"]


def test_not_carried_things_are_listed(api):
    body = api.post(URL, {"message": "a swimsuit and a belt"}, format="json").json()

    assert body["not_carried"] == ["swimwear"]
    assert body["categories"] == ["Belts"]


def test_a_conversation_id_carries_context_between_requests(api):
    first = api.post(URL, {"message": "a watch"}, format="json").json()

    second = api.post(
        URL,
        {"message": "show me three more", "conversation_id": first["conversation_id"]},
        format="json",
    ).json()

    assert second["conversation_id"] == first["conversation_id"]
    assert second["categories"] == ["Watches"]
    assert len(second["products"]) == 3


def test_prompt_injection_cannot_leave_the_catalog(api):
    body = api.post(URL, {"message": INJECTION}, format="json").json()

    assert set(body["categories"]) <= set(Category.objects.values_list("name", flat=True))
    assert Product.objects.filter(pk__in=[p["id"] for p in body["products"]]).count() == len(
        body["products"]
    )


@pytest.mark.parametrize(
    ("payload", "detail"),
    [
        ({}, "Tell me what you are looking for"),
        ({"message": "   "}, "Tell me what you are looking for"),
        ({"message": "x" * 1001}, "message:"),
        ({"message": "a watch", "conversation_id": "not-a-uuid"}, "not issued by this shop"),
    ],
)
def test_bad_input_is_a_400_with_a_detail(api, payload, detail):
    response = api.post(URL, payload, format="json")

    assert response.status_code == 400
    assert detail in response.json()["detail"]


def test_a_bad_photo_is_a_400_with_a_friendly_detail(api):
    photo = SimpleUploadedFile("notes.jpg", b"<html>hello</html>")

    response = api.post(URL, {"message": "a watch", "image": photo}, format="multipart")

    assert response.status_code == 400
    assert response.json() == {
        "detail": "This file is not a readable image. Please upload a JPEG, PNG or WebP photo."
    }


@pytest.mark.parametrize("chosen", [str(uuid.uuid4()), "00000000-0000-0000-0000-000000000000"])
def test_a_conversation_id_the_server_did_not_issue_is_a_400(api, chosen):
    response = api.post(URL, {"message": "a watch", "conversation_id": chosen}, format="json")

    assert response.status_code == 400
    assert "not issued by this shop" in response.json()["detail"]


def test_an_expired_conversation_starts_a_new_one(api):
    first = api.post(URL, {"message": "a watch"}, format="json").json()
    Conversation.objects.all().delete()

    body = api.post(
        URL,
        {"message": "show me three more", "conversation_id": first["conversation_id"]},
        format="json",
    ).json()

    assert body["categories"] == []
    assert body["conversation_id"] != first["conversation_id"]


def test_with_a_session_cookie_the_api_follows_the_session(api):
    session = api.session
    session["seen"] = True
    session.save()
    api.post(URL, {"message": "a watch"}, format="json")

    body = api.post(URL, {"message": "show me two more"}, format="json").json()

    assert body["categories"] == ["Watches"]
    assert len(body["products"]) == 2


def test_the_api_is_rate_limited_by_address_at_three_times_the_session_rate(api, settings):
    settings.SHOP_ASSISTANT_RATE_PER_MINUTE = 1
    for _ in range(3):
        assert api.post(URL, {"message": "a watch"}, format="json").status_code == 200

    response = api.post(URL, {"message": "a watch"}, format="json")

    assert response.status_code == 429
    assert "Please wait a minute" in response.json()["detail"]
    other = api.post(URL, {"message": "a watch"}, format="json", REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 200


def test_a_request_body_over_the_photo_limit_is_a_413_before_it_is_read(api, settings):
    settings.SHOP_UPLOAD_MAX_BYTES = 1024
    photo = SimpleUploadedFile("big.jpg", b"\xff" * (200 * 1024))

    response = api.post(URL, {"message": "a watch", "image": photo}, format="multipart")

    assert response.status_code == 413
    assert response.json() == {"detail": uploads.REQUEST_TOO_LARGE}


def test_a_photo_over_the_limit_is_a_413_from_the_shared_upload_path(api, settings):
    settings.SHOP_UPLOAD_MAX_BYTES = 1024
    photo = SimpleUploadedFile(PROBE.name, PROBE.read_bytes())
    assert 1024 < len(PROBE.read_bytes()) < 64 * 1024  # past the photo limit, not the body's

    response = api.post(URL, {"message": "a watch", "image": photo}, format="multipart")

    assert response.status_code == 413
    assert response.json()["detail"].startswith("The image is too large.")


def test_the_api_is_in_the_published_schema(api):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/json").json()

    assert "post" in schema["paths"]["/api/assistant/"]


def test_a_photo_to_complete_lists_the_complementary_types_it_chose(api, settings):
    top = Product.objects.filter(category__sub_category="Topwear").order_by("external_id")[0]
    path = settings.SHOP_SAMPLE_CATALOG / "images" / f"{top.external_id}.jpg"
    photo = SimpleUploadedFile(path.name, path.read_bytes(), content_type="image/jpeg")

    body = api.post(
        URL, {"message": "what goes with this?", "image": photo}, format="multipart"
    ).json()

    assert body["categories"]
    assert [p["article_type"] for p in body["products"]] == body["categories"]
    subs = set(
        Category.objects.filter(name__in=body["categories"]).values_list("sub_category", flat=True)
    )
    assert "Topwear" not in subs
    assert top.pk not in {p["id"] for p in body["products"]}


def test_a_question_comes_with_quick_replies_and_is_not_asked_twice(api):
    first = api.post(URL, {"message": "an outfit for a wedding"}, format="json").json()

    assert first["quick_replies"] == [
        {"label": "Men", "message": "For men"},
        {"label": "Women", "message": "For women"},
    ]
    assert first["products"] == []
    second = api.post(
        URL,
        {"message": "in blue", "conversation_id": first["conversation_id"]},
        format="json",
    ).json()
    assert "Who is it for" not in second["advice"]
    assert second["products"]
    third = api.post(
        URL,
        {"message": "For women", "conversation_id": first["conversation_id"]},
        format="json",
    ).json()
    assert third["quick_replies"] == []
    women = Product.objects.filter(pk__in=[p["id"] for p in third["products"]])
    assert set(women.values_list("gender", flat=True)) <= {"Women", "Unisex"}
