"""A merchant pins a product for a search in the admin; a shopper sees it at that position.
Debian Chromium against a live server."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.contrib.auth.models import User

from conftest import catalog_load
from shop.catalog.models import Product
from shop.search import selectors
from shop.search.filters import ProductFilters

pytestmark = pytest.mark.browser

PASSWORD = "pw-123456789"
WORD = "leather"


@dataclass(frozen=True)
class Pin:
    name: str  # a product the search does not find by itself
    first: str  # what the search shows first


@pytest.fixture
def pin(live_server, catalog_subset: Path) -> Pin:
    # Committed data the server thread sees; read before the browser starts. No
    # embeddings: the keyword channel alone answers, so the order is known.
    catalog_load(catalog_subset, embed=False)
    found = list(selectors.product_list(filters=ProductFilters(), q=WORD))
    assert len(found) >= 2, "the subset should name several products with the word"
    outsider = Product.objects.exclude(pk__in=[p.pk for p in found]).order_by("id").first()
    User.objects.create_superuser("merchant", "merchant@example.com", PASSWORD)
    return Pin(name=outsider.name, first=found[0].name)


def _titles(page) -> list[str]:
    page.get_by_test_id("product-grid").wait_for()
    return page.locator("[data-testid=product-grid] .card-title").all_inner_texts()


def test_a_merchant_pins_a_product_for_a_search_and_a_shopper_sees_it_there(
    live_server, pin: Pin, page
) -> None:
    page.goto(f"{live_server.url}/admin/login/?next=/admin/search/merchandisingrule/add/")
    page.fill("#id_username", "merchant")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(re.compile(r"/merchandisingrule/add/$"))

    page.fill("#id_query", WORD)
    page.select_option("#id_action", "pin")
    # The product is an autocomplete (select2): type part of its name, pick it.
    page.locator(".field-product .select2-selection").click()
    page.locator(".select2-search__field").fill(pin.name[:20])
    page.locator(".select2-results__option", has_text=pin.name).first.click()
    page.fill("#id_position", "2")
    page.click("input[name=_continue]")
    page.wait_for_url(re.compile(r"/merchandisingrule/\d+/change/$"))

    # The preview shows the page with the rule: the pinned product second.
    after = page.get_by_test_id("preview-after").locator("li").all_inner_texts()
    assert after[1].startswith(pin.name)

    # A shopper searches: the pinned product is second, the search's best first.
    page.goto(f"{live_server.url}/")
    page.fill("#header-q", WORD)
    page.click(".search-form button[type=submit]")
    page.wait_for_function(f"() => location.search.includes('{WORD}')")
    titles = _titles(page)
    assert titles[:2] == [pin.first, pin.name]

    # Other spellings of the words fire the rule too (read as search reads them).
    page.goto(f"{live_server.url}/?q=Leathers")
    assert _titles(page)[:2] == [pin.first, pin.name]
