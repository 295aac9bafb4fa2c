"""The merchandising rules' admin: list, filters, add with checks, and the preview."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client

from shop.catalog.models import Product
from shop.search.models import MerchandisingRule

pytestmark = pytest.mark.django_db

ADMIN = "/admin/search/merchandisingrule/"


def _form(**fields: object) -> dict:
    return {
        "query": "",
        "match": "is",
        "category": "",
        "action": "pin",
        "product": "",
        "position": "",
        "filters": "{}",
        "weight": "",
        "starts_at_0": "",
        "starts_at_1": "",
        "ends_at_0": "",
        "ends_at_1": "",
        "enabled": "on",
        "note": "",
        **fields,
    }


def test_a_merchant_adds_a_pin_and_the_preview_shows_it_first(admin_client: Client):
    product = Product.objects.order_by("-name", "-id").first()
    category = product.category
    response = admin_client.post(
        f"{ADMIN}add/",
        _form(category=category.pk, product=product.pk, position="1", _continue="1"),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    rule = MerchandisingRule.objects.get()
    page = admin_client.get(f"{ADMIN}{rule.pk}/change/").content.decode()
    assert 'data-testid="rule-preview"' in page
    after = page.split('data-testid="preview-after"')[1]
    before = page.split('data-testid="preview-before"')[1].split('data-testid="preview-after"')[0]
    assert after.split("<li>")[1].startswith(f"<strong>{product.name}")
    assert not before.split("<li>")[1].startswith(product.name)


def test_a_rule_that_cannot_work_is_refused_with_the_field_named(admin_client: Client):
    response = admin_client.post(f"{ADMIN}add/", _form(query="sneakers", position="1"))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "product" in errors
    response = admin_client.post(
        f"{ADMIN}add/",
        _form(query="sneakers", action="boost", weight="1", filters='{"brand": "Nope Brand"}'),
    )
    assert "filters" in response.context["adminform"].form.errors
    assert not MerchandisingRule.objects.exists()


def test_the_list_filters_by_action_and_searches_words(admin_client: Client):
    product = Product.objects.order_by("id").first()
    MerchandisingRule.objects.create(query="sneakers", action="hide", product=product)
    MerchandisingRule.objects.create(query="kurta", action="pin", product=product, position=3)
    content = admin_client.get(ADMIN, {"action__exact": "pin"}).content.decode()
    assert "kurta" in content and "sneakers" not in content
    content = admin_client.get(ADMIN, {"q": "sneak"}).content.decode()
    assert "sneakers" in content and "kurta" not in content


def test_a_view_only_merchant_sees_rules_and_their_preview_but_cannot_change_them():
    product = Product.objects.order_by("id").first()
    rule = MerchandisingRule.objects.create(query="x", action="hide", product=product)
    user = User.objects.create_user("viewer", password="pw-123456789", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename="view_merchandisingrule"))
    client = Client()
    client.force_login(user)
    assert client.get(ADMIN).status_code == 200
    page = client.get(f"{ADMIN}{rule.pk}/change/")
    assert page.status_code == 200 and 'data-testid="rule-preview"' in page.content.decode()
    response = client.post(f"{ADMIN}{rule.pk}/change/", _form(query="y", action="hide"))
    assert response.status_code == 403


def test_the_search_report_links_each_query_to_a_new_rule_for_it(admin_client: Client):
    from shop.search.models import SearchQueryLog

    SearchQueryLog.objects.create(query="red sneakers", result_count=0)
    content = admin_client.get("/admin/search/searchquerylog/report/").content.decode()
    link = f"{ADMIN}add/?query=red%20sneakers"
    assert f'href="{link}"' in content
    form = admin_client.get(link).content.decode()
    assert 'name="query" value="red sneakers"' in form
