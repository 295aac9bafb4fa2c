"""A five-turn conversation in a real browser, on a phone and a laptop (issue 23, 17.3).

occasion -> whom it is for, by quick reply -> "cheaper" -> "in blue" -> "no heels": each
answer is checked against the catalog (genders, prices, colours, types), and on the
phone the sheet stays open, the newest answer has the focus and is in view.
"""

from __future__ import annotations

import importlib
from decimal import Decimal

import pytest
from django.apps import apps as django_apps

from conftest import BROWSER_TIMEOUT_MS, CHROMIUM, CHROMIUM_ARGS
from shop.assistant.models import Occasion
from shop.catalog.models import Product
from shop.search.colours import colour_family

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 3,
}
LAPTOP = {"viewport": {"width": 1366, "height": 900}}
CLOTHING = {"Sarees", "Kurta Sets", "Dresses", "Jumpsuit", "Kurtas", "Tops", "Tshirts", "Shirts"}


@pytest.fixture
def catalog(catalog_subset):
    """The subset (a live server's database may have been flushed), every product priced;
    read into a dict before the browser starts (see the root conftest's ``page``)."""
    if Product.objects.count() < 40:
        from shop.catalog.importers import catalog_import

        catalog_import(path=catalog_subset)
    if not Occasion.objects.exists():
        # A live server's flush empties the tables the data migrations seeded too.
        for name, step in (
            ("0002_seed_occasions", "seed"),
            ("0003_outfit_slots_and_notes", "forwards"),
        ):
            module = importlib.import_module(f"shop.assistant.migrations.{name}")
            getattr(module, step)(django_apps, None)
    for product in Product.objects.all():
        product.price = Decimal(300 + (product.pk * 37) % 2000)
        product.save(update_fields=["price"])
    return {
        p.pk: {
            "gender": p.gender,
            "colour": p.base_colour,
            "price": p.price,
            "type": p.category.name,
        }
        for p in Product.objects.select_related("category")
    }


@pytest.fixture
def browser(live_server, _restore_catalog_subset, catalog):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def _answers(page):
    return page.get_by_test_id("assistant-reply")


def _latest(page, catalog):
    """The newest answer: its advice and its products as the catalog has them."""
    reply = _answers(page).last
    advice = reply.get_by_test_id("assistant-advice").inner_text()
    cards = reply.get_by_test_id("assistant-product")
    ids = [int(cards.nth(i).get_attribute("data-product-id")) for i in range(cards.count())]
    return advice, [catalog[i] | {"id": i} for i in ids]


def _let_go(advice: str) -> str:
    return " ".join(s for s in advice.split(". ") if "let go of" in s).lower()


def _in_view(page) -> bool:
    box = page.locator("#assistant-latest").bounding_box()
    height = page.viewport_size["height"]
    return box is not None and 0 <= box["y"] < height - 40


@pytest.mark.parametrize("device", [PHONE, LAPTOP], ids=["phone-390x844", "laptop-1366x900"])
def test_a_five_turn_conversation_stays_honest_on_a_phone_and_a_laptop(
    browser, live_server, catalog, device
):
    from playwright.sync_api import expect

    context = browser.new_context(**device)
    page = context.new_page()
    page.set_default_timeout(BROWSER_TIMEOUT_MS)
    page.goto(live_server.url + "/")
    panel = page.locator("#assistant")
    phone = device is PHONE
    if phone:
        page.get_by_test_id("assistant-toggle").tap()
        expect(panel).to_have_class("assistant assistant-open")

    def ask(message: str, turn: int) -> tuple[str, list[dict]]:
        page.get_by_test_id("assistant-message").fill(message)
        send = page.get_by_test_id("assistant-send")
        send.tap() if phone else send.click()
        expect(_answers(page)).to_have_count(turn)
        return settled(turn)

    def settled(turn: int) -> tuple[str, list[dict]]:
        # The sheet stays open, the newest answer has the focus and is in view.
        if phone:
            expect(panel).to_have_class("assistant assistant-open")
        expect(page.locator("#assistant-latest")).to_be_focused()
        page.wait_for_function("() => !document.querySelector('.htmx-request')")
        assert _in_view(page), f"turn {turn}: the newest answer is out of view"
        return _latest(page, catalog)

    # 1. An occasion: whom it is for is asked, once, with quick replies.
    advice, shown = ask("I need an outfit for a summer wedding", 1)
    assert "Who is it for: men or women?" in advice
    assert shown == []
    replies = page.get_by_test_id("assistant-quick-reply")
    expect(replies).to_have_text(["Men", "Women"])

    # 2. A tap answers it: a woman's outfit, clothing first, hers or unisex.
    women = replies.nth(1)
    women.tap() if phone else women.click()
    expect(_answers(page)).to_have_count(2)
    advice, outfit = settled(2)
    assert "Who is it for" not in advice
    assert outfit and outfit[0]["type"] in CLOTHING
    assert {p["gender"] for p in outfit} <= {"Women", "Unisex"}
    assert page.get_by_test_id("assistant-shopper-turn").last.inner_text() == "For women"
    before = {p["type"]: p["price"] for p in outfit}

    # 3. "cheaper": each piece below the one shown before, or said to be let go.
    advice, cheaper = ask("cheaper", 3)
    let_go = _let_go(advice)
    assert "budget" not in advice
    assert "shown before" in advice
    for product in cheaper:
        if product["type"] in before and product["type"].lower() not in let_go:
            assert product["price"] < before[product["type"]], product
    assert {p["gender"] for p in cheaper} <= {"Women", "Unisex"}

    # 4. "in blue": a blue (or a shade of it), or the colour said to be let go.
    advice, blue = ask("in blue", 4)
    let_go = _let_go(advice)
    for product in blue:
        in_family = product["colour"] in colour_family("Blue")
        assert in_family or (product["type"].lower() in let_go and "colour" in let_go), product
    assert {p["gender"] for p in blue} <= {"Women", "Unisex"}

    # 5. "no heels": none shown, the rest of the outfit kept.
    advice, no_heels = ask("no heels", 5)
    assert no_heels
    assert "Heels" not in {p["type"] for p in no_heels}
    assert no_heels[0]["type"] in CLOTHING
    assert {p["gender"] for p in no_heels} <= {"Women", "Unisex"}
    advices = [a.inner_text() for a in page.get_by_test_id("assistant-advice").all()]
    assert all(a != b for a, b in zip(advices, advices[1:], strict=False))
    context.close()
