from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from shop.assistant.exceptions import AssistantError
from shop.cart.exceptions import CartError
from shop.catalog.exceptions import CatalogError
from shop.errors import NESTED_TOO_DEEPLY, ShopError, api_exception_handler
from shop.images import ImageRejected
from shop.orders.exceptions import OrderError

pytestmark = pytest.mark.django_db

NESTED = "[" * 100_000


@pytest.mark.parametrize("url", ["/api/search/", "/api/assistant/"])
def test_deeply_nested_json_is_a_400_not_a_500(url):
    client = APIClient(raise_request_exception=False)

    response = client.post(url, NESTED, content_type="application/json")

    assert response.status_code == 400
    assert response.json() == {"detail": NESTED_TOO_DEEPLY}


def test_every_app_error_is_a_shop_error():
    for error_class in (CatalogError, AssistantError, ImageRejected, CartError, OrderError):
        error = error_class("nope", status=413)
        assert isinstance(error, ShopError)
        assert (error.message, error.status) == ("nope", 413)


def test_the_api_documents_one_error_body():
    from drf_spectacular.generators import SchemaGenerator

    schemas = SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]
    bodies = [
        name
        for name, schema in schemas.items()
        if schema.get("properties", {}).keys() == {"detail"}
    ]
    assert bodies == ["Error"]


def test_the_handler_answers_a_shop_error_with_its_status_and_retry_after():
    response = api_exception_handler(ShopError("slow down", status=429, retry_after=7), {})

    assert response.status_code == 429
    assert response.data == {"detail": "slow down"}
    assert response["Retry-After"] == "7"


def test_the_search_api_answers_a_rejected_photo_through_the_handler():
    from django.core.files.uploadedfile import SimpleUploadedFile

    photo = SimpleUploadedFile("notes.jpg", b"<html>hi</html>")

    response = APIClient().post("/api/search/", {"image": photo}, format="multipart")

    assert response.status_code == 400
    assert "not a readable image" in response.json()["detail"]
