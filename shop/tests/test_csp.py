"""The Content-Security-Policy holds on every kind of page, in a real browser."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import catalog_load
from shop.catalog.models import Product

pytestmark = pytest.mark.browser

PASSWORD = "a-long-test-password"


@pytest.fixture
def product_url(live_server, catalog_subset: Path, django_user_model) -> str:
    catalog_load(catalog_subset, embed=False)
    django_user_model.objects.create_superuser("boss", "boss@example.com", PASSWORD)
    return Product.objects.browsable().first().get_absolute_url()


def _watch(page) -> list[str]:
    """Every CSP violation the page reports, as console errors or page errors."""
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text)
            if "Content Security Policy" in message.text or "Refused to" in message.text
            else None
        ),
    )
    page.on("pageerror", lambda error: violations.append(str(error)))
    return violations


def test_the_storefront_admin_and_swagger_ui_run_under_the_policy(product_url, live_server, page):
    violations = _watch(page)

    response = page.goto(f"{live_server.url}/")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy.split("style-src")[0]
    page.goto(f"{live_server.url}{product_url}")
    page.goto(f"{live_server.url}/search/?q=shirt")
    # htmx swaps results in place: its script runs under the policy.
    page.fill("#header-q", "watch")
    page.press("#header-q", "Enter")
    page.wait_for_load_state("networkidle")

    page.goto(f"{live_server.url}/admin/login/?next=/admin/catalog/product/")
    page.fill("#id_username", "boss")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/catalog/product/")
    page.click("#result_list tbody tr a")
    page.wait_for_load_state("networkidle")

    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".swagger-ui .info .title")
    page.wait_for_load_state("networkidle")

    assert violations == []
