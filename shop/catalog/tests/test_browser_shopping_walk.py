"""A shopper's whole walk on a phone (390×844, touch) and a laptop (1366×900): home → Men →
T-shirts → filters → product → size → add → bag (no sideways scroll) → checkout →
confirmation, with axe-core checking each page (no serious or critical violations).

Debian Chromium against a live server. axe-core comes from npm (``make axe``); without it
the accessibility checks are skipped, never fetched from a CDN. ``SHOP_SCREENSHOTS=<dir>``
keeps a screenshot of each step.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings

from conftest import BROWSER_TIMEOUT_MS, CHROMIUM, CHROMIUM_ARGS, catalog_load
from shop.catalog.models import Brand, Product, ProductVariant

pytestmark = pytest.mark.browser

AXE = settings.BASE_DIR / "var" / "node" / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
LAPTOP = {"viewport": {"width": 1366, "height": 900}}


@dataclass(frozen=True)
class Target:
    """A Men's T-shirt with sizes S (sold out), M and L; read before the browser starts."""

    name: str
    brand: str
    slug_url: str


@pytest.fixture
def target(live_server, catalog_subset: Path) -> Target:
    catalog_load(catalog_subset, embed=False)
    product = (
        Product.objects.browsable().filter(gender="Men", category__name="Tshirts").order_by("id")
    ).first()
    assert product is not None, "the subset should hold a men's T-shirt"
    if product.brand is None:
        product.brand = Brand.objects.get_or_create(slug="nike", defaults={"name": "Nike"})[0]
    product.price, product.list_price = Decimal("799.00"), Decimal("999.00")
    product.save()
    product.variants.all().delete()
    for position, (size, stock) in enumerate((("S", 0), ("M", 5), ("L", 5))):
        ProductVariant.objects.create(
            product=product, size=size, sku=f"{product.external_id}-{size}", stock=stock,
            position=position,
        )  # fmt: skip
    return Target(name=product.name, brand=product.brand.name, slug_url=product.get_absolute_url())


def _browser_page(live_server, _restore_catalog_subset, device: dict):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(**device)
            page = context.new_page()
            page.set_default_timeout(BROWSER_TIMEOUT_MS)
            yield page
        finally:
            browser.close()


@pytest.fixture
def phone(live_server, _restore_catalog_subset):
    yield from _browser_page(live_server, _restore_catalog_subset, PHONE)


@pytest.fixture
def laptop(live_server, _restore_catalog_subset):
    yield from _browser_page(live_server, _restore_catalog_subset, LAPTOP)


class Checks:
    """What holds on every page of the walk."""

    def __init__(self, page, name: str) -> None:
        self.page, self.name, self.step = page, name, 0
        self.shots = os.environ.get("SHOP_SCREENSHOTS", "")

    def __call__(self, what: str) -> None:
        page = self.page
        page.wait_for_load_state("networkidle")
        self.step += 1
        if self.shots:
            Path(self.shots).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=f"{self.shots}/{self.name}-{self.step:02d}-{what}.png")
        # Nothing scrolls sideways.
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), what
        # The bag and its count are on screen at every width.
        box = page.get_by_test_id("mini-cart").bounding_box()
        width = page.viewport_size["width"]
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, what
        assert page.locator("h1").count() == 1, f"{what}: one <h1>"
        assert page.locator("a.skip-link[href='#main']").count() == 1, what
        self.axe(what)

    def axe(self, what: str) -> None:
        if not AXE.exists():
            return
        page = self.page
        if not page.evaluate("typeof window.axe !== 'undefined'"):
            # Evaluated by the test driver: the page's CSP rightly refuses an injected <script>.
            page.evaluate(AXE.read_text())
        result = page.evaluate(
            """async () => {
                const r = await axe.run(document, {resultTypes: ["violations"]});
                return r.violations
                  .filter(v => v.impact === "serious" || v.impact === "critical")
                  .map(v => `${v.id}: ${v.help} (${v.nodes.slice(0, 3).map(n => n.target)})`);
            }"""
        )
        assert result == [], f"{what}: axe found {result}"


def _checkout(page, check: Checks) -> None:
    page.get_by_test_id("checkout-link").click()
    page.wait_for_url(re.compile(r"/checkout/$"))
    check("checkout")
    # Phones get the right keyboards and the browser can fill the address.
    assert page.get_attribute("#id_postcode", "inputmode") == "numeric"
    assert page.get_attribute("#id_phone", "inputmode") == "tel"
    assert page.get_attribute("#id_email", "autocomplete") == "email"
    assert page.get_attribute("#id_postcode", "autocomplete") == "shipping postal-code"
    # A wrong PIN: the error summary is shown and focused, and links to the field.
    page.fill("#id_email", "asha@example.com")
    page.fill("#id_name", "Asha Rao")
    page.fill("#id_line1", "12 MG Road")
    page.fill("#id_city", "Bengaluru")
    page.select_option("#id_state", "Karnataka")
    page.fill("#id_postcode", "012345")
    page.fill("#id_phone", "98765 43210")
    page.get_by_test_id("place-order").click()
    summary = page.get_by_test_id("error-summary")
    summary.wait_for()
    assert page.evaluate("document.activeElement.dataset.testid") == "error-summary"
    assert "PIN" in summary.inner_text()
    page.fill("#id_postcode", "560001")
    page.get_by_test_id("place-order").click()
    page.get_by_test_id("order-confirmation").wait_for()
    check("confirmation")
    assert page.get_by_test_id("mini-cart").locator(".count").inner_text() == "0"


def _product_to_bag(page, target: Target, check: Checks) -> None:
    page.locator(".card-link", has_text=target.name).first.click()
    page.wait_for_url(re.compile(r"/products/\d+-[a-z0-9-]+/(\?.*)?$"))
    check("product")
    form = page.get_by_test_id("add-to-cart")
    # Sold-out S cannot be chosen; M is a tap.
    assert form.locator("input[name=variant]").first.is_disabled()
    form.get_by_test_id("size-option").filter(has_text=re.compile(r"^M$")).click()
    form.get_by_role("button", name="Add to bag").click()
    page.wait_for_function("() => document.querySelector('#mini-cart .count').innerText === '1'")
    assert "size M" in page.locator(".cart-note").inner_text()
    # Focus moves to what happened, not to <body>.
    page.wait_for_function("() => document.activeElement.classList.contains('cart-note')")
    page.get_by_test_id("mini-cart").click()
    page.wait_for_url(re.compile(r"/cart/$"))
    assert page.get_by_test_id("cart-line").count() == 1
    assert page.locator(".cart-thumb img").count() == 1
    check("bag")


def test_a_phone_shopper_walks_from_home_to_an_order(live_server, target: Target, phone):
    page, check = phone, Checks(phone, "phone")
    page.goto(f"{live_server.url}/")
    check("home")
    # The search box takes the row's width (not "Sea").
    assert page.locator("#header-q").bounding_box()["width"] > 250

    # Men → T-shirts from the department menu.
    page.get_by_test_id("department").filter(has_text="Men").first.click()
    page.locator(".department-menu[open]").get_by_role("link", name="Tshirts", exact=True).click()
    page.wait_for_url(re.compile(r"gender=Men.*category=tshirts|category=tshirts.*gender=Men"))
    check("men-tshirts")
    total = int(page.get_by_test_id("result-count").inner_text().split()[0])

    # The filter sheet: a sticky bar at the top of the results opens it; a change updates
    # the results behind it and its "Show N results", and it stays open until shown.
    bar = page.get_by_test_id("filter-bar")
    assert bar.bounding_box()["y"] < 844 / 2
    assert not page.locator("#facets").is_visible()
    bar.click()
    page.locator("#facets").wait_for(state="visible")
    check("filter-sheet")
    page.locator(f'fieldset[data-facet="brand"] input[value="{target.brand}"]').check()
    page.wait_for_url(re.compile(r"brand="))
    page.wait_for_load_state("networkidle")
    assert page.locator("#filter-sheet").evaluate("d => d.open")
    shown = int(page.get_by_test_id("show-results").inner_text().split()[1])
    assert 1 <= shown <= total
    page.get_by_test_id("show-results").click()
    assert not page.locator("#facets").is_visible()
    assert page.evaluate("window.scrollY") == 0
    assert int(page.get_by_test_id("result-count").inner_text().split()[0]) == shown

    _product_to_bag(page, target, check)
    # The bag fits a 320 px phone too.
    page.set_viewport_size({"width": 320, "height": 700})
    check("bag-320")
    page.set_viewport_size(PHONE["viewport"])
    _checkout(page, check)


def test_a_laptop_shopper_walks_from_home_to_an_order(live_server, target: Target, laptop):
    page, check = laptop, Checks(laptop, "laptop")
    page.goto(f"{live_server.url}/")
    check("home")
    page.get_by_test_id("department").filter(has_text="Men").first.click()
    page.locator(".department-menu[open]").get_by_role("link", name="Tshirts", exact=True).click()
    page.wait_for_url(re.compile(r"category=tshirts"))
    check("men-tshirts")
    # On a laptop the filters are a sidebar, always open; no sheet bar.
    assert page.locator("#facets").is_visible()
    assert not page.get_by_test_id("filter-bar").is_visible()
    page.locator(f'fieldset[data-facet="brand"] input[value="{target.brand}"]').check()
    page.wait_for_url(re.compile(r"brand="))
    check("filtered")
    _product_to_bag(page, target, check)
    _checkout(page, check)


def test_a_second_quick_search_supersedes_the_first(live_server, target: Target, laptop):
    page = laptop
    page.goto(f"{live_server.url}/")
    # Two searches one after the other: the second replaces the first in flight (hx-sync),
    # and the page ends on the second, not stuck on "Searching…".
    page.fill("#header-q", "shirt")
    page.press("#header-q", "Enter")
    page.fill("#header-q", "watch")
    page.press("#header-q", "Enter")
    page.wait_for_function("() => location.search.includes('q=watch')")
    page.wait_for_load_state("networkidle")
    assert "watch" in page.get_by_test_id("result-count").inner_text()
    assert not page.locator("#search-busy").is_visible()
    # The suggestions closed with the submit.
    assert page.locator("#suggestions [role=option]").count() == 0


@pytest.fixture
def phone_without_js(live_server, _restore_catalog_subset):
    yield from _browser_page(
        live_server, _restore_catalog_subset, {**PHONE, "java_script_enabled": False}
    )


@pytest.fixture
def laptop_without_js(live_server, _restore_catalog_subset):
    yield from _browser_page(
        live_server, _restore_catalog_subset, {**LAPTOP, "java_script_enabled": False}
    )


def test_without_javascript_a_phone_opens_the_filters_and_shows_the_results(
    live_server, target: Target, phone_without_js
):
    page = phone_without_js
    page.goto(f"{live_server.url}/?gender=Men")
    # The products come first; the filters wait behind their bar.
    assert not page.locator("#facets").is_visible()
    assert page.locator("[data-testid=product-grid] .card").first.bounding_box()["y"] < 844
    page.get_by_test_id("filter-bar").click()
    page.locator(f'fieldset[data-facet="brand"] input[value="{target.brand}"]').check()
    page.get_by_test_id("show-results").click()
    page.wait_for_url(re.compile(r"brand="))
    assert "gender=Men" in page.url
    assert page.locator(".card-title", has_text=target.name).count() == 1


def test_without_javascript_a_laptop_shows_the_filters_as_a_sidebar(
    live_server, target: Target, laptop_without_js
):
    page = laptop_without_js
    page.goto(f"{live_server.url}/?gender=Men")
    assert page.locator("#facets").is_visible()
    assert not page.get_by_test_id("filter-bar").is_visible()
