"""/api/merchandising/rules/: staff with the model's permissions only; bad input names the
field."""

from __future__ import annotations

import pytest
from django.test import Client

from shop.catalog.models import Category, Product
from shop.search.models import MerchandisingRule
from shop.tests.helpers import staff_client

pytestmark = pytest.mark.django_db

RULES = "/api/merchandising/rules/"


def _client(*actions: str, staff: bool = True) -> Client:
    return staff_client(MerchandisingRule, *actions, staff=staff)


@pytest.fixture
def manager() -> Client:
    return _client("view", "add", "change", "delete")


@pytest.fixture
def product() -> Product:
    return Product.objects.order_by("id").first()


def _pin(product: Product, **extra: object) -> dict:
    return {"query": "sneakers", "action": "pin", "product": product.pk, "position": 2, **extra}


def test_a_manager_creates_reads_updates_and_deletes_a_rule(manager: Client, product):
    created = manager.post(RULES, _pin(product), content_type="application/json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["product"] == product.pk and body["position"] == 2 and body["enabled"] is True
    url = f"{RULES}{body['id']}/"
    assert manager.get(RULES).json()["results"][0]["id"] == body["id"]
    assert manager.get(url).json()["query"] == "sneakers"
    patched = manager.patch(url, {"position": 1, "enabled": False}, content_type="application/json")
    assert patched.status_code == 200 and patched.json()["position"] == 1
    assert MerchandisingRule.objects.get().enabled is False
    category = product.category
    put = manager.put(
        url,
        {
            "category": category.name,
            "action": "boost",
            "filters": {"colour": [product.base_colour]},
            "weight": "0.5",
        },
        content_type="application/json",
    )
    assert put.status_code == 200, put.content
    assert put.json()["category"] == category.name and put.json()["query"] == ""
    assert manager.delete(url).status_code == 204
    assert not MerchandisingRule.objects.exists()
    assert manager.get(url).status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"action": "pin", "product": 1, "position": 1}, "query"),
        ({"query": "x", "action": "pin", "position": 1}, "product"),
        ({"query": "x", "action": "pin", "product": 1}, "position"),
        ({"query": "x", "action": "pin", "product": 1, "position": 0}, "position"),
        ({"query": "x", "action": "pin", "product": 999999999, "position": 1}, "product"),
        ({"query": "x", "action": "shout"}, "action"),
        ({"query": "x", "category": "No Such Type", "action": "hide", "product": 1}, "category"),
        ({"query": "x", "action": "boost", "filters": {"brand": ["P"]}, "weight": 1}, "filters"),
        ({"query": "x", "action": "boost", "filters": {"colour": "Black"}}, "weight"),
        ({"query": "x", "action": "bury", "filters": [], "weight": 1}, "filters"),
        (
            {
                "query": "x",
                "action": "hide",
                "product": 1,
                "starts_at": "2026-01-02T00:00:00Z",
                "ends_at": "2026-01-01T00:00:00Z",
            },
            "ends_at",
        ),
        ({"query": "x", "action": "hide", "product": 1, "starts_at": "soon"}, "starts_at"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(manager: Client, body: dict, field: str, product):
    body = {k: (product.pk if k == "product" and v == 1 else v) for k, v in body.items()}
    if body.get("filters") == {"colour": "Black"}:
        body["filters"] = {"colour": product.base_colour}
    response = manager.post(RULES, body, content_type="application/json")
    assert response.status_code == 400, response.content
    assert response.json()["detail"].startswith(f"{field}:"), response.json()
    assert not MerchandisingRule.objects.exists()


def test_an_article_type_is_given_by_name_or_slug(manager: Client, product):
    category: Category = product.category
    body = {"category": category.slug, "action": "hide", "product": product.pk}
    response = manager.post(RULES, body, content_type="application/json")
    assert response.status_code == 201 and response.json()["category"] == category.name


def test_everyone_but_staff_with_the_permission_is_refused(product):
    rule = MerchandisingRule.objects.create(query="x", action="hide", product=product)
    url = f"{RULES}{rule.pk}/"
    body = _pin(product)
    assert Client().get(RULES).status_code == 403
    assert Client().post(RULES, body, content_type="application/json").status_code == 403
    not_staff = _client("view", "add", "change", "delete", staff=False)
    assert not_staff.get(RULES).status_code == 403
    no_permission = _client()
    assert no_permission.get(RULES).status_code == 403
    viewer = _client("view")
    assert viewer.get(RULES).status_code == 200 and viewer.get(url).status_code == 200
    assert viewer.post(RULES, body, content_type="application/json").status_code == 403
    assert viewer.patch(url, {"position": 1}, content_type="application/json").status_code == 403
    assert viewer.delete(url).status_code == 403
    adder = _client("view", "add")
    assert adder.post(RULES, body, content_type="application/json").status_code == 201
    assert adder.delete(url).status_code == 403
    assert MerchandisingRule.objects.count() == 2


def test_a_window_without_an_offset_is_in_the_shops_time_zone(manager: Client, product):
    body = {"query": "x", "action": "hide", "product": product.pk}
    body["starts_at"] = "2026-12-24T10:00:00"
    response = manager.post(RULES, body, content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["starts_at"] == "2026-12-24T10:00:00+05:30"
    rule = MerchandisingRule.objects.get()
    assert rule.starts_at.isoformat() == "2026-12-24T04:30:00+00:00"
