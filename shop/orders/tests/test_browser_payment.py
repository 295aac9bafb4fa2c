"""A shopper pays online with Razorpay: Debian Chromium against a live server.

Razorpay's API is answered from recorded JSON (``responses``, in this process, where the
live server runs) and Razorpay's Checkout script is replaced by a fake that hands the
page what the real one does after a payment: the ids and a signature made with the test
key secret. The page posts them to our callback, which verifies the signature.
"""

from __future__ import annotations

import re

import pytest
from django.conf import settings

from shop.cart.tests.factories import product_make
from shop.orders.tests.payfake import (
    API,
    RAZORPAY_ORDER,
    RAZORPAY_PAYMENT,
    checkout_signature,
    recorded,
    webhook_body,
    webhook_signature,
)

pytestmark = pytest.mark.browser

# axe-core from npm (`make axe`); without it the accessibility check is skipped.
AXE = settings.BASE_DIR / "var" / "node" / "node_modules" / "axe-core" / "axe.min.js"

FAKE_CHECKOUT = """
window.Razorpay = function (options) {
  this.on = function () {};
  this.open = function () {
    sessionStorage.setItem("razorpayOpenedWith", JSON.stringify(options));
    options.handler({
      razorpay_payment_id: "%(payment)s",
      razorpay_order_id: options.order_id,
      razorpay_signature: "%(signature)s",
    });
  };
};
"""


def _axe(page, what: str) -> None:
    """One <h1>, and no serious or critical axe-core violation."""
    assert page.locator("h1").count() == 1, what
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


@pytest.fixture
def product_url(live_server, razorpay) -> str:
    # Committed data the server thread sees; read before the browser starts.
    razorpay.get(f"{API}/orders", json=recorded("orders_none"))
    razorpay.post(f"{API}/orders", json=recorded("order_created"))
    product = product_make(price="1299.00", stock=3)
    return product.get_absolute_url()


def test_a_shopper_pays_online_and_the_order_is_placed(live_server, product_url, page):
    script = FAKE_CHECKOUT % {
        "payment": RAZORPAY_PAYMENT,
        "signature": checkout_signature(RAZORPAY_ORDER, RAZORPAY_PAYMENT),
    }
    page.route(
        "https://checkout.razorpay.com/v1/checkout.js",
        lambda route: route.fulfill(status=200, content_type="text/javascript", body=script),
    )
    page.goto(f"{live_server.url}{product_url}")
    form = page.get_by_test_id("add-to-cart")
    form.get_by_test_id("size-option").filter(has_text=re.compile(r"^M$")).click()
    form.get_by_role("button", name="Add to bag").click()
    page.wait_for_function("() => document.querySelector('#mini-cart .count').innerText === '1'")

    page.goto(f"{live_server.url}/checkout/")
    page.fill("#id_email", "asha@example.com")
    page.fill("#id_name", "Asha Rao")
    page.fill("#id_line1", "12 MG Road")
    page.fill("#id_city", "Bengaluru")
    page.select_option("#id_state", "Karnataka")
    page.fill("#id_postcode", "560001")
    page.fill("#id_phone", "98765 43210")
    page.locator("input[name=payment_method][value=razorpay]").check()
    page.get_by_test_id("place-order").click()

    page.wait_for_url(re.compile(r"/orders/TL-[2-9A-HJKMNP-Z]{8}/pay/$"))
    pay = page.get_by_test_id("pay-button")
    pay.wait_for()
    assert "₹1,299" in pay.inner_text()
    page.wait_for_function("() => !document.getElementById('razorpay-pay').disabled")
    _axe(page, "pay page")
    pay.click()

    page.get_by_test_id("order-confirmation").wait_for()
    assert "Thank you" in page.locator("h1").inner_text()
    assert RAZORPAY_PAYMENT in page.get_by_test_id("paid-online").inner_text()
    opened = page.evaluate("() => JSON.parse(sessionStorage.getItem('razorpayOpenedWith'))")
    assert (opened["key"], opened["order_id"], opened["amount"]) == (
        "rzp_test_1DP5mmOlF5G5ag",
        RAZORPAY_ORDER,
        "129900",
    )

    # Razorpay's webhook for the same payment comes after: recorded once, nothing changes.
    # (Through the live server: no ORM in the test while the browser runs.)
    body = webhook_body("webhook_payment_captured")
    headers = {
        "Content-Type": "application/json",
        "X-Razorpay-Signature": webhook_signature(body),
        "X-Razorpay-Event-Id": "evt_browser",
    }
    webhook = f"{live_server.url}/payments/razorpay/webhook/"
    assert page.request.post(webhook, data=body, headers=headers).text() == "already paid"
    again = page.request.post(webhook, data=body, headers=headers).text()
    assert again == "duplicate event: nothing changed"
