"""The one results page in Debian Chromium: words, photos, chips, history, phones."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from conftest import catalog_load
from shop.catalog.models import Category, Product

pytestmark = pytest.mark.browser


@dataclass(frozen=True)
class Catalog:
    """Read before the browser starts (see test_browser_storefront.Shelf)."""

    tshirts: int
    colour: str
    colour_count: int
    photo: Path
    photo_product_name: str
    prefix: str  # the first letters of an article type, for autocomplete
    prefix_type: str


def _read() -> Catalog:
    colour, colour_count = next(
        (c, Product.objects.filter(base_colour=c).count())
        for c in Product.objects.exclude(base_colour="")
        .order_by("base_colour")
        .values_list("base_colour", flat=True)
    )
    photo_product = Product.objects.order_by("id")[11]
    article_type = Category.objects.filter(products__isnull=False).order_by("name").first().name
    return Catalog(
        tshirts=Product.objects.filter(category__name="Tshirts").count(),
        colour=colour,
        colour_count=colour_count,
        photo=django_settings.SHOP_SAMPLE_CATALOG / "images" / f"{photo_product.external_id}.jpg",
        photo_product_name=photo_product.name,
        prefix=article_type[:4],
        prefix_type=article_type,
    )


@pytest.fixture
def words_catalog(live_server, catalog_subset: Path) -> Catalog:
    catalog_load(catalog_subset, embed=False)
    return _read()


@pytest.fixture
def photo_catalog(live_server, catalog_subset: Path) -> Catalog:
    catalog_load(catalog_subset)
    return _read()


def _search(page, text: str) -> None:
    page.fill("#header-q", text)
    page.click(".search-form button[type=submit]")


def _count(page) -> int:
    return int(page.get_by_test_id("result-count").inner_text().split()[0])


def test_typos_nonsense_chips_and_history_of_a_word_search(
    live_server, words_catalog: Catalog, page
) -> None:
    assert words_catalog.tshirts, "the subset should hold T-shirts"
    page.goto(f"{live_server.url}/")

    _search(page, "tshrit")
    page.get_by_test_id("did-you-mean").wait_for()
    assert "tshirts" in page.get_by_test_id("did-you-mean").inner_text()
    page.wait_for_url(re.compile(r"/\?q=tshrit$"))
    assert _count(page) == words_catalog.tshirts
    assert "tshrit" in page.title()

    _search(page, "spaceship")
    page.get_by_test_id("empty-state").wait_for()
    assert "No good matches" in page.get_by_test_id("empty-state").inner_text()
    assert page.get_by_test_id("popular-categories").locator("a").count() > 0

    # Back to the typo search, then reload: the URL holds the whole state.
    page.go_back()
    page.wait_for_url(re.compile(r"/\?q=tshrit$"))
    page.get_by_test_id("did-you-mean").wait_for()
    page.reload()
    page.get_by_test_id("did-you-mean").wait_for()
    assert _count(page) == words_catalog.tshirts

    # Facet chips and clear all.
    page.goto(f"{live_server.url}/")
    page.locator(f'#facets input[name="colour"][value="{words_catalog.colour}"]').check()
    page.get_by_test_id("chip").first.wait_for()
    page.wait_for_url(re.compile(r"colour="))
    assert _count(page) == words_catalog.colour_count
    assert (
        page.get_by_test_id("chip").first.inner_text().startswith(f"Colour: {words_catalog.colour}")
    )
    page.get_by_test_id("clear-all").click()
    page.wait_for_url(f"{live_server.url}/")
    page.get_by_test_id("home-shelf").wait_for()
    assert page.get_by_test_id("chip").count() == 0


def test_a_photo_search_survives_reload_and_back_and_the_photo_can_be_removed(
    live_server, photo_catalog: Catalog, page
) -> None:
    page.goto(f"{live_server.url}/")
    page.set_input_files("[data-testid=header-photo]", str(photo_catalog.photo))
    page.click(".search-form button[type=submit]")
    page.get_by_test_id("search-photo").wait_for()
    page.wait_for_url(re.compile(r"/\?photo="))
    first = page.locator("[data-testid=product-grid] .card-title").first.inner_text()
    assert first == photo_catalog.photo_product_name

    page.reload()
    page.get_by_test_id("search-photo").wait_for()
    assert page.locator("[data-testid=product-grid] .card-title").first.inner_text() == first

    # Sorting keeps the photo without a new upload.
    page.select_option(".toolbar select[name=sort]", "name")
    page.wait_for_url(re.compile(r"sort=name"))
    page.get_by_test_id("search-photo").wait_for()

    page.get_by_test_id("remove-photo").click()
    page.wait_for_url(lambda url: "photo=" not in url)
    assert page.get_by_test_id("search-photo").count() == 0

    page.go_back()
    page.wait_for_url(re.compile(r"photo="))
    page.get_by_test_id("search-photo").wait_for()


def test_autocomplete_works_from_the_keyboard(live_server, words_catalog: Catalog, page) -> None:
    page.goto(f"{live_server.url}/")
    box = page.locator("#header-q")
    box.press_sequentially(words_catalog.prefix.lower(), delay=30)
    page.locator("#suggestions [role=option]").first.wait_for()
    assert box.get_attribute("aria-expanded") == "true"
    box.press("ArrowDown")
    active = box.get_attribute("aria-activedescendant")
    assert active and page.locator(f"#{active}").get_attribute("aria-selected") == "true"
    label = page.locator(f"#{active}").inner_text()
    assert words_catalog.prefix_type in label
    box.press("Enter")
    page.wait_for_url(re.compile(r"category="))
    assert words_catalog.prefix_type in page.title()


def test_a_phone_sees_a_result_first_and_opens_the_assistant_as_a_sheet(
    live_server, words_catalog: Catalog, page
) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/?q=men")
    card = page.locator("[data-testid=product-grid] .card").first
    card.wait_for()
    box = card.bounding_box()
    assert box is not None and box["y"] < 844, box
    # Two rows: logo, assistant and bag; then the search box the whole width.
    header = page.locator(".site-header").bounding_box()
    assert header["height"] < 150, header

    assistant = page.get_by_test_id("assistant")
    assert not assistant.is_visible()
    page.get_by_test_id("assistant-toggle").click()
    assistant.wait_for(state="visible")
    assert page.get_by_test_id("assistant-toggle").get_attribute("aria-expanded") == "true"


def test_with_debug_on_a_bad_photo_swaps_a_message_and_keeps_the_header(
    live_server, words_catalog: Catalog, page, settings
) -> None:
    settings.DEBUG = True  # django-htmx then adds its debug script
    page.goto(f"{live_server.url}/")
    assert page.locator("script[data-debug=True]").count() == 1
    bad = django_settings.SHOP_SHARED_DIR / "data" / "bad-images" / "hopper.heif"
    page.set_input_files("[data-testid=header-photo]", str(bad))
    page.click(".search-form button[type=submit]")
    error = page.get_by_test_id("search-error")
    error.wait_for()
    assert "JPEG, PNG or WebP" in error.inner_text()
    assert page.locator(".site-header").is_visible()
    assert page.locator("#header-q").is_visible()
