"""A shopper signs up, verifies the e-mail, saves to the wishlist, orders, and finds the
wishlist, cart and order again after logging in from another browser. Debian Chromium
against a live server."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.db import connections

from conftest import BROWSER_TIMEOUT_MS
from shop.accounts.tests.conftest import PASSWORD, account_emails_deliver, link_in
from shop.cart.tests.factories import product_make

pytestmark = pytest.mark.browser

EMAIL = "priya@example.com"
# axe-core from npm (`make axe`); without it the accessibility checks are skipped.
AXE = settings.BASE_DIR / "var" / "node" / "node_modules" / "axe-core" / "axe.min.js"


@dataclass(frozen=True)
class Target:
    url: str
    other_url: str
    name: str


@pytest.fixture
def target(live_server) -> Target:
    # Committed data the server thread sees; read before the browser starts.
    product = product_make(name="Test Indigo Kurta", stock=5)
    other = product_make(name="Test Mustard Dupatta", stock=5)
    return Target(product.get_absolute_url(), other.get_absolute_url(), product.name)


def _verification_link() -> str:
    """Deliver the queued verification e-mail (as the send_email job does) and read it."""
    try:
        [message] = account_emails_deliver()
    finally:
        # Under Playwright's loop the ORM opened a connection of its own: close it, or
        # the test database could not be dropped at the end.
        connections.close_all()
    assert message.to == [EMAIL]
    return link_in(message, "/accounts/confirm-email/")


def _add_to_cart(page, size: str, count: str) -> None:
    form = page.get_by_test_id("product-detail").get_by_test_id("add-to-cart")
    # A size select, or tap-to-select size buttons (the storefront's redesign).
    if form.get_by_test_id("size-select").count():
        form.get_by_test_id("size-select").select_option(label=size)
    else:
        form.get_by_test_id("size-option").filter(has_text=re.compile(rf"^{size}$")).click()
    form.locator("button[type=submit]").click()
    page.wait_for_function(
        f"() => document.querySelector('#mini-cart .count').innerText === '{count}'"
    )


def _check(page, what: str) -> None:
    """One <h1>, and no serious or critical axe-core violation, on every page."""
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").count() == 1, f"{what}: one <h1>"
    if not AXE.exists():
        return
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text())  # by the driver: the CSP refuses injected scripts
    found = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ["violations"]})).violations
            .filter(v => v.impact === "serious" || v.impact === "critical")
            .map(v => `${v.id}: ${v.help} (${v.nodes.slice(0, 3).map(n => n.target)})`)"""
    )
    assert found == [], f"{what}: axe found {found}"


def _mini_cart(page) -> str:
    return page.get_by_test_id("mini-cart").locator(".count").inner_text()


def test_a_shopper_signs_up_saves_orders_and_finds_it_all_on_another_device(
    live_server, target: Target, page
) -> None:
    # Sign up; the verification e-mail goes out through the task engine.
    page.goto(f"{live_server.url}/accounts/signup/")
    _check(page, "sign-up")
    page.fill("input[name=email]", EMAIL)
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/accounts/confirm-email/$"))
    _check(page, "verification sent")

    # Verify from the e-mail's link; the shopper is then logged in.
    page.goto(_verification_link())
    _check(page, "confirm e-mail")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/accounts/$"))
    assert page.get_by_test_id("account-email").inner_text() == EMAIL
    assert page.get_by_test_id("no-orders").is_visible()
    _check(page, "account")

    # Save the product in size M from its page (htmx swaps the heart in place).
    page.goto(f"{live_server.url}{target.url}")
    _check(page, "product page")
    heart = page.get_by_test_id("wishlist-button")
    heart.get_by_test_id("wishlist-size").select_option(label="M")
    heart.get_by_role("button").click()
    page.locator("[data-testid=wishlist-button] button[aria-pressed=true]").wait_for()

    # Order one, then put another item in the cart for later.
    _add_to_cart(page, "L", "1")
    page.goto(f"{live_server.url}/checkout/")
    assert page.input_value("#id_email") == EMAIL
    page.fill("#id_name", "Priya Nair")
    page.fill("#id_line1", "4 Marine Drive")
    page.fill("#id_city", "Kochi")
    page.select_option("#id_state", "Kerala")
    page.fill("#id_postcode", "682031")
    page.fill("#id_phone", "94470 12345")
    page.get_by_test_id("place-order").click()
    page.get_by_test_id("order-confirmation").wait_for()
    number = page.get_by_test_id("order-number").inner_text()
    page.goto(f"{live_server.url}{target.other_url}")
    _add_to_cart(page, "S", "1")

    # Log out: the header offers "Log in" again and the cart is not this browser's any more.
    page.goto(f"{live_server.url}/accounts/")
    page.get_by_test_id("logout").click()
    page.get_by_test_id("login-link").wait_for()
    assert _mini_cart(page) == "0"

    # Another device: a fresh browser context logs in and finds it all.
    other = page.context.browser.new_context()
    try:
        phone = other.new_page()
        phone.set_default_timeout(BROWSER_TIMEOUT_MS)
        phone.goto(f"{live_server.url}/accounts/login/")
        _check(phone, "log in")
        phone.fill("input[name=login]", EMAIL)
        phone.fill("input[name=password]", PASSWORD)
        phone.locator("main form button[type=submit]").click()
        phone.wait_for_url(re.compile(r"/accounts/$"))
        assert _mini_cart(phone) == "1"

        history = phone.get_by_test_id("order-history")
        row = history.get_by_test_id("order-row").filter(has_text=number)
        assert row.get_by_test_id("order-status").inner_text() == "Placed"
        _check(phone, "account with an order")

        phone.get_by_test_id("account-nav").get_by_role("link", name="Wishlist").click()
        phone.wait_for_url(re.compile(r"/wishlist/$"))
        _check(phone, "wishlist")
        item = phone.get_by_test_id("wishlist-item")
        assert item.count() == 1
        assert target.name in item.inner_text() and "Size M" in item.inner_text()
    finally:
        other.close()
