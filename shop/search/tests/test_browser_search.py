"""A shopper searches by words, then by a photo, in Debian Chromium."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings

from conftest import catalog_load
from shop.catalog.models import Product

pytestmark = pytest.mark.browser


@dataclass(frozen=True)
class Target:
    word: str
    word_matches: int
    photo: Path
    photo_product_name: str


@pytest.fixture
def target(live_server, catalog_subset: Path) -> Target:
    catalog_load(catalog_subset)
    word_matches = Product.objects.filter(name__icontains="puma").count()
    assert word_matches, "the subset should hold a Puma product"
    photo_product = Product.objects.order_by("id")[11]
    return Target(
        word="Puma",
        word_matches=word_matches,
        photo=settings.SHOP_SAMPLE_CATALOG / "images" / f"{photo_product.external_id}.jpg",
        photo_product_name=photo_product.name,
    )


def test_a_shopper_searches_by_words_then_by_a_photo(live_server, target: Target, page) -> None:
    page.goto(f"{live_server.url}/")
    page.evaluate("window.__samePage = true")

    page.fill("#header-q", target.word)
    page.click(".search-form button[type=submit]")
    # The home page has a grid already: wait for the search's own URL and count.
    page.wait_for_url(re.compile(rf"/\?q={target.word}$"))
    page.get_by_test_id("result-count").filter(has_text=target.word).wait_for()
    titles = page.locator("[data-testid=product-grid] .card-title").all_inner_texts()
    assert target.word.lower() in titles[0].lower()
    assert sum(target.word.lower() in t.lower() for t in titles) == target.word_matches
    assert page.evaluate("window.__samePage") is True  # htmx swapped, no reload

    page.fill("#header-q", "")
    page.set_input_files("[data-testid=header-photo]", str(target.photo))
    page.click(".search-form button[type=submit]")
    page.get_by_test_id("search-photo").wait_for()
    assert (
        page.locator("[data-testid=search-photo] img")
        .get_attribute("src")
        .startswith("data:image/jpeg;base64,")
    )
    first = page.locator("[data-testid=product-grid] .card-title").first.inner_text()
    assert first == target.photo_product_name
    assert page.evaluate("window.__samePage") is True


def test_a_bad_photo_gets_a_clear_message_not_an_error_page(
    live_server, target: Target, page
) -> None:
    page.goto(f"{live_server.url}/")
    bad = settings.SHOP_SHARED_DIR / "data" / "bad-images" / "hopper.heif"
    page.set_input_files("[data-testid=header-photo]", str(bad))
    page.click(".search-form button[type=submit]")
    error = page.get_by_test_id("search-error")
    error.wait_for()
    assert "JPEG, PNG or WebP" in error.inner_text()
