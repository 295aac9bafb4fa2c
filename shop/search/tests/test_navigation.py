"""The Men / Women / Kids menu comes from the catalog's own genders and article types."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlparse

import pytest
from django.core.cache import cache
from django.db.models import Count

from shop.catalog.models import Product
from shop.search.navigation import department_navigation

pytestmark = pytest.mark.django_db


def test_departments_follow_the_catalogs_genders_with_their_most_stocked_types_first():
    departments = {d.label: d for d in department_navigation()}
    assert list(departments)[:2] == ["Men", "Women"]
    men = departments["Men"]
    assert parse_qs(urlparse(men.url).query) == {"gender": ["Men"]}
    expected = list(
        Product.objects.browsable()
        .filter(gender="Men")
        .values("category__name")
        .annotate(n=Count("id"))
        .order_by("-n", "category__name")
        .values_list("category__name", "n")
    )[:12]
    assert [(link.label, link.count) for link in men.categories] == expected
    assert all("gender=Men" in link.url and "category=" in link.url for link in men.categories)


def test_kids_covers_boys_and_girls():
    kids = next((d for d in department_navigation() if d.label == "Kids"), None)
    if kids is None:
        assert not Product.objects.browsable().filter(gender__in=["Boys", "Girls"]).exists()
        return
    genders = parse_qs(urlparse(kids.url).query)["gender"]
    assert sorted(genders) == ["Boys", "Girls"]


def test_every_page_shows_the_menu_and_its_links_lead_to_the_right_products(client):
    cache.clear()
    content = client.get("/cart/").content.decode()
    assert 'data-testid="departments"' in content
    link = re.search(r'<a href="(/\?category=[^"]+&amp;gender=Men)">([^<]+)</a>', content)
    assert link
    page = client.get(html.unescape(link.group(1)))
    products = page.context["page"].object_list
    assert products and all(
        p.gender == "Men" and p.category.name == link.group(2) for p in products
    )
