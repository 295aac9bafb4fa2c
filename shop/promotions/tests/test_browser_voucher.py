"""A shopper applies a voucher in the bag (htmx), checks out and downloads the GST
invoice from the confirmation page. Debian Chromium against a live server."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from shop.cart.tests.factories import product_make
from shop.promotions.models import VoucherKind
from shop.promotions.tests.factories import voucher_make

pytestmark = pytest.mark.browser


@dataclass(frozen=True)
class Shop:
    product_url: str


@pytest.fixture
def shop(live_server) -> Shop:
    # Committed data the server thread sees; read before the browser starts.
    product = product_make(name="Voucher Test Kurta", price="1299.00", stock=5)
    voucher_make(code="FLAT200", kind=VoucherKind.FIXED, value="200")
    return Shop(product_url=product.get_absolute_url())


def test_a_shopper_buys_with_a_voucher_and_downloads_the_invoice(live_server, shop, page):
    page.goto(f"{live_server.url}{shop.product_url}")
    form = page.get_by_test_id("add-to-cart")
    form.get_by_test_id("size-option").filter(has_text=re.compile(r"^M$")).click()
    form.get_by_role("button", name="Add to bag").click()
    page.wait_for_function("() => document.querySelector('#mini-cart .count').innerText === '1'")
    page.goto(f"{live_server.url}/cart/")

    # A wrong code is said in place; the right one (any case) swaps in the discount.
    page.get_by_label("Voucher code").fill("nope")
    page.get_by_role("button", name="Apply").click()
    page.get_by_test_id("cart-error").wait_for()
    assert "NOPE is not a voucher code we know." in page.get_by_test_id("cart-error").inner_text()
    page.get_by_label("Voucher code").fill("flat200")
    page.get_by_role("button", name="Apply").click()
    page.get_by_test_id("discount").wait_for()
    assert page.get_by_test_id("discount").inner_text() == "−₹200"
    assert page.get_by_test_id("total").inner_text() == "₹1,099"
    assert page.url.endswith("/cart/")  # swapped by htmx, no reload

    page.get_by_test_id("checkout-link").click()
    page.wait_for_url(re.compile(r"/checkout/$"))
    assert page.get_by_test_id("discount").inner_text() == "−₹200"
    page.fill("#id_email", "asha@example.com")
    page.fill("#id_name", "Asha Rao")
    page.fill("#id_line1", "12 MG Road")
    page.fill("#id_city", "Pune")
    page.select_option("#id_state", "Maharashtra")
    page.fill("#id_postcode", "411001")
    page.fill("#id_phone", "98765 43210")
    page.get_by_test_id("place-order").click()

    page.get_by_test_id("order-confirmation").wait_for()
    assert page.get_by_test_id("order-discount").inner_text() == "−₹200"
    assert "₹1,099" in page.get_by_test_id("order-total").inner_text()
    with page.expect_download() as download:
        page.get_by_test_id("invoice-link").click()
    assert re.fullmatch(r"invoice-TL\d\d-\d\d-000001\.pdf", download.value.suggested_filename)
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF-")
