"""A shopper finds a product, picks sizes, checks out with cash on delivery; the
merchant finds the order in the admin. Debian Chromium against a live server."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import User

from conftest import catalog_load
from shop.catalog.models import Product, ProductVariant

pytestmark = pytest.mark.browser

PASSWORD = "pw-123456789"


@dataclass(frozen=True)
class Target:
    name: str
    word: str


@pytest.fixture
def target(live_server, catalog_subset: Path) -> Target:
    # Committed data the server thread sees; read before the browser starts.
    catalog_load(catalog_subset, embed=False)
    product = Product.objects.filter(name__icontains="puma").order_by("id").first()
    assert product is not None, "the subset should hold a Puma product"
    product.price, product.list_price = Decimal("1299.00"), Decimal("1999.00")
    product.save()
    for position, size in enumerate(("S", "M", "L")):
        ProductVariant.objects.create(
            product=product, size=size, sku=f"{product.external_id}-{size}", stock=5,
            position=position,
        )  # fmt: skip
    User.objects.create_superuser("merchant", "merchant@example.com", PASSWORD)
    return Target(name=product.name, word="Puma")


def _mini_cart(page) -> str:
    return page.get_by_test_id("mini-cart").locator(".count").inner_text()


def test_a_shopper_buys_with_cash_on_delivery_and_the_merchant_finds_the_order(
    live_server, target: Target, page
) -> None:
    page.goto(f"{live_server.url}/")
    assert _mini_cart(page) == "0"

    # Search, then open the product from its card: sizes are chosen on the product page.
    page.fill("#header-q", target.word)
    page.click(".search-form button[type=submit]")
    # The results page's URL carries the words (state in the URL).
    page.wait_for_function(f"() => location.search.includes('{target.word}')")
    page.get_by_test_id("product-grid").wait_for()
    card = page.locator("[data-testid=product-grid] .card").filter(
        has=page.locator(".card-title", has_text=target.name)
    )
    card.locator(".card-link").click()
    page.wait_for_url(re.compile(r"/products/\d+-[a-z0-9-]+/(\?.*)?$"))
    detail = page.get_by_test_id("product-detail")
    assert detail.locator("h1").inner_text() == target.name

    # Size S (a tap on its button), then M twice; htmx swaps the form and the count.
    form = detail.get_by_test_id("add-to-cart")
    form.get_by_test_id("size-option").filter(has_text=re.compile(r"^S$")).click()
    form.get_by_role("button", name="Add to bag").click()
    form.locator(".cart-note").wait_for()
    assert "size S" in form.locator(".cart-note").inner_text()
    page.wait_for_function("() => document.querySelector('#mini-cart .count').innerText === '1'")
    for count in ("2", "3"):
        form.get_by_test_id("size-option").filter(has_text=re.compile(r"^M$")).click()
        form.get_by_role("button", name="Add to bag").click()
        page.wait_for_function(
            f"() => document.querySelector('#mini-cart .count').innerText === '{count}'"
        )

    # Cart: two lines, priced by the server.
    page.get_by_test_id("mini-cart").click()
    page.wait_for_url(re.compile(r"/cart/$"))
    assert page.get_by_test_id("cart-line").count() == 2
    assert page.get_by_test_id("total").inner_text() == "₹3,897"
    page.get_by_test_id("checkout-link").click()

    # Checkout with cash on delivery.
    page.wait_for_url(re.compile(r"/checkout/$"))
    page.fill("#id_email", "asha@example.com")
    page.fill("#id_name", "Asha Rao")
    page.fill("#id_line1", "12 MG Road")
    page.fill("#id_city", "Bengaluru")
    page.select_option("#id_state", "Karnataka")
    page.fill("#id_postcode", "560001")
    page.fill("#id_phone", "98765 43210")
    assert page.locator("input[name=payment_method][value=cod]").is_checked()
    page.get_by_test_id("place-order").click()

    confirmation = page.get_by_test_id("order-confirmation")
    confirmation.wait_for()
    number = page.get_by_test_id("order-number").inner_text()
    assert re.fullmatch(r"TL-[2-9A-HJKMNP-Z]{8}", number)
    assert "₹3,897" in page.get_by_test_id("order-total").inner_text()
    assert _mini_cart(page) == "0"

    # The merchant finds it in the admin.
    page.goto(f"{live_server.url}/admin/login/?next=/admin/orders/order/")
    page.fill("#id_username", "merchant")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(re.compile(r"/admin/orders/order/$"))
    page.fill("#searchbar", number)
    page.press("#searchbar", "Enter")
    page.wait_for_url(re.compile(r"[?&]q=TL-"))
    row = page.locator("#result_list tbody tr")
    row.first.wait_for()
    assert row.count() == 1
    assert number in row.inner_text() and "asha@example.com" in row.inner_text()
