"""The panel in a real browser (Debian Chromium through Playwright) against a live server."""

from __future__ import annotations

import pytest
from django.conf import settings

from shop.assistant.tests.conftest import SHOES
from shop.catalog.models import Product

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def catalog_with_shoes(catalog_subset):
    # live_server runs on a transactional database, which an earlier transactional
    # test may have flushed; the import is idempotent, so make sure it is there.
    if Product.objects.filter(category__name__in=SHOES).count() < 2:
        from shop.catalog.importers import catalog_import

        catalog_import(path=catalog_subset)
    return catalog_subset


@pytest.fixture
def page(live_server, catalog_with_shoes, page):
    # The shared Chromium page (conftest.py), opened on the storefront.
    page.set_viewport_size({"width": 1280, "height": 900})
    page.set_default_timeout(30_000)
    page.goto(live_server.url + "/")
    return page


def test_the_panel_answers_shows_products_takes_a_photo_and_resets_without_reloading(
    page,
):
    from playwright.sync_api import expect

    panel = page.get_by_test_id("assistant")
    page.evaluate("window.__no_reload = 'still here'")

    panel.get_by_test_id("assistant-message").fill("show me two pairs of shoes")
    panel.get_by_test_id("assistant-send").click()

    products = page.get_by_test_id("assistant-product")
    expect(products).to_have_count(2)
    types = {products.nth(i).get_attribute("data-article-type") for i in range(2)}
    assert types <= SHOES
    expect(page.get_by_test_id("assistant-advice")).to_contain_text("Here are 2 pairs of shoes")
    expect(page.get_by_test_id("assistant-answered-by")).to_have_text(
        "Answered by the offline assistant"
    )
    assert page.evaluate("window.__no_reload") == "still here"

    photo = next((settings.SHOP_SAMPLE_CATALOG / "images").glob("*.jpg"))
    page.get_by_test_id("assistant-message").fill("a watch to go with this")
    page.get_by_test_id("assistant-photo").set_input_files(str(photo))
    page.get_by_test_id("assistant-send").click()

    expect(page.get_by_test_id("assistant-reply")).to_have_count(2)
    expect(page.get_by_test_id("assistant-shopper-turn").nth(1)).to_contain_text("with a photo")
    expect(products).to_have_count(3)
    assert products.nth(2).get_attribute("data-article-type") == "Watches"
    assert page.evaluate("window.__no_reload") == "still here"

    page.get_by_test_id("assistant-reset").click()

    expect(page.get_by_test_id("assistant-reply")).to_have_count(0)
    expect(page.get_by_test_id("assistant-message")).to_have_value("")
    assert page.evaluate("window.__no_reload") == "still here"


def test_the_thinking_state_shows_while_the_assistant_works(page):
    from playwright.sync_api import expect

    thinking = page.get_by_test_id("assistant-thinking")
    expect(thinking).to_be_hidden()
    # Hold the request so the in-flight state can be seen.
    release: list = []
    page.route("**/assistant/ask/", lambda route: release.append(route))

    page.get_by_test_id("assistant-message").fill("a watch")
    page.get_by_test_id("assistant-send").click()

    expect(thinking).to_be_visible()
    expect(page.get_by_test_id("assistant-send")).to_be_disabled()
    # Playwright runs the route handler while it waits; give it a bounded time to hold
    # the request, then check the indicator is still up for as long as it is held.
    for _ in range(100):
        if release:
            break
        page.wait_for_timeout(50)
    assert len(release) == 1, "the ask request never reached the route that holds it"
    expect(thinking).to_be_visible()
    release[0].continue_()
    expect(page.get_by_test_id("assistant-product")).to_have_count(1)
    expect(thinking).to_be_hidden()


def test_a_bad_photo_is_explained_in_the_panel_without_a_reload(page):
    from playwright.sync_api import expect

    page.evaluate("window.__no_reload = 'still here'")
    page.get_by_test_id("assistant-message").fill("a watch like this")
    page.get_by_test_id("assistant-photo").set_input_files(
        {
            "name": "photo.jpg",
            "mimeType": "image/jpeg",
            "buffer": b"<html>not a photo</html>",
        }
    )
    page.get_by_test_id("assistant-send").click()

    expect(page.get_by_test_id("assistant-error")).to_contain_text("not a readable image")
    # Said where the shopper is, and focused, so a screen reader hears it at once.
    expect(page.get_by_test_id("assistant-error")).to_be_focused()
    expect(page.get_by_test_id("assistant-message")).to_have_value("a watch like this")
    assert page.evaluate("window.__no_reload") == "still here"


def test_a_three_turn_conversation_carries_context_in_the_panel(page):
    from playwright.sync_api import expect

    products = page.get_by_test_id("assistant-product")
    replies = page.get_by_test_id("assistant-reply")

    def ask(message: str) -> None:
        page.get_by_test_id("assistant-message").fill(message)
        page.get_by_test_id("assistant-send").click()

    ask("a wach")
    expect(replies).to_have_count(1)
    expect(replies.nth(0).get_by_test_id("assistant-advice")).to_contain_text("“wach” as “watch”")
    expect(products).to_have_count(1)
    first = products.nth(0).get_attribute("data-product-id")

    # A follow-up with no article type named pages on to other watches.
    ask("show me two more")
    expect(replies).to_have_count(2)
    second = replies.nth(1).get_by_test_id("assistant-product")
    expect(second).to_have_count(2)
    assert {second.nth(i).get_attribute("data-article-type") for i in range(2)} == {"Watches"}
    assert first not in {second.nth(i).get_attribute("data-product-id") for i in range(2)}

    # "No, ..." replaces what was asked for.
    ask("no, belts")
    expect(replies).to_have_count(3)
    third = replies.nth(2).get_by_test_id("assistant-product")
    expect(third).to_have_count(1)
    assert third.nth(0).get_attribute("data-article-type") == "Belts"
