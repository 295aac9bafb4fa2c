"""What the results page keeps between requests never shows a shopper another shopper's
token or cart, nor a price, stock or rule older than the request (issue 19, part 4)."""

from __future__ import annotations

import re
from decimal import Decimal
from urllib.parse import unquote

import pytest
from django.core.cache import caches
from django.test import Client

from shop.cart.tests.factories import product_make, variant_of
from shop.catalog.cards import Card, card_html
from shop.catalog.models import Brand, Category, Product
from shop.catalog.services import product_search_vectors_refresh
from shop.search import attribution

pytestmark = pytest.mark.django_db


@pytest.fixture
def gnus():
    """Two buyable products only the word "gnukurta" finds."""
    products = [product_make(name=f"Gnukurta Cotton {n}", price="1000.00") for n in range(2)]
    product_search_vectors_refresh(product_ids=[p.pk for p in products])
    return products


def _card(html: str, product) -> str:
    """The card of ``product`` on a page."""
    match = re.search(
        rf'<article class="card">\s*<a href="{re.escape(product.get_absolute_url())}.*?</article>',
        html,
        re.S,
    )
    assert match, f"{product.name} has a card on the page"
    return match.group(0)


def _page(client: Client, q: str = "gnukurta") -> str:
    response = client.get("/", {"q": q})
    assert response.status_code == 200
    return response.content.decode()


def test_a_price_change_shows_on_the_next_results_page(client: Client, gnus):
    assert "₹1,000" in _card(_page(client), gnus[0])
    # A plain UPDATE, as a script would: updated_at is not touched.
    Product.objects.filter(pk=gnus[0].pk).update(
        price=Decimal("799.00"), list_price=Decimal("1000.00")
    )
    card = _card(_page(client), gnus[0])
    assert "₹799" in card and "20% off" in card
    assert "₹1,000" in _card(_page(client), gnus[1]), "the other card is unchanged"


def test_a_size_selling_out_shows_on_the_next_results_page(client: Client, gnus):
    assert "Sold out" not in _card(_page(client), gnus[0])
    gnus[0].variants.update(stock=0)
    assert "Sold out" in _card(_page(client), gnus[0])
    variant = variant_of(gnus[0], "M")
    variant.stock = 2
    variant.save()
    assert "Sold out" not in _card(_page(client), gnus[0])


def test_a_renamed_brand_shows_on_the_next_results_page(client: Client, gnus):
    _page(client)
    Brand.objects.filter(pk=gnus[0].brand_id).update(name="Renamed Brand")
    assert "Renamed Brand" in _card(_page(client), gnus[0])


def _tokens(html: str) -> list[str]:
    return re.findall(r'href="/products/[^"?]+\?sid=([^"]+)"', html)


def test_two_shoppers_searching_the_same_words_each_get_their_own_click_tokens(gnus):
    first, second = Client(), Client()
    pages = [_page(first), _page(second), _page(first)]
    tokens = [_tokens(html) for html in pages]
    assert all(len(found) == 2 for found in tokens)
    assert not set(tokens[0]) & set(tokens[1]) and not set(tokens[2]) & set(tokens[1])
    for client, found in ((first, tokens[0]), (second, tokens[1]), (first, tokens[2])):
        shopper = attribution.shopper_hash(session=client.session)
        for token in found:
            ref = attribution.click_token_read(unquote(token))
            assert ref is not None and ref.shopper == shopper[: attribution.TOKEN_SHOPPER_CHARS]
    # A shopper's token counts for them, never for the other.
    product = next(p for p in gnus if p.get_absolute_url() in pages[1])
    token = unquote(_tokens(_card(pages[1], product))[0])
    data = {"token": token, "product": product.pk}
    assert first.post("/search/click/", data).status_code == 400
    assert second.post("/search/click/", data).status_code == 204


def test_a_card_takes_each_requests_token_or_none(gnus):
    product = gnus[0]
    product.search_token = "one:token/<&>"
    with_one = card_html(product)
    product.search_token = "two"
    with_two = card_html(product)
    del product.search_token
    without = card_html(product)
    url = product.get_absolute_url()
    assert f'href="{url}?sid=one%3Atoken/%3C%26%3E"' in with_one
    assert f'href="{url}?sid=two"' in with_two and "one" not in with_two
    assert f'href="{url}"' in without and "sid=" not in without


def test_the_card_template_reads_only_the_cards_values(gnus):
    """A card is rendered from its Card alone, so its cache key is everything it shows."""
    card = Card.of(gnus[0])
    html = card_html(gnus[0])
    for shown in (card.name, card.brand_name, "₹1,000", card.get_absolute_url()):
        assert shown in html
    assert Card.of(gnus[0]) == card, "the same product and values: the same card"


def _bag(html: str) -> str:
    match = re.search(r'data-testid="mini-cart".*?<span class="count">(\d+)</span>', html, re.S)
    assert match, "the header shows the bag"
    return match.group(1)


def test_the_menus_kept_in_memory_never_carry_a_shoppers_bag(gnus):
    """The department and category menus are kept per process; the bag beside them is
    each shopper's own on every page."""
    buyer, browser = Client(), Client()
    data = {"product": gnus[0].pk, "variant": variant_of(gnus[0], "M").pk, "quantity": 2}
    assert buyer.post("/cart/add/", data).status_code == 302
    for _ in range(2):  # the second time from the kept menus
        pages = {who: _page(client) for who, client in (("buyer", buyer), ("browser", browser))}
        assert 'data-testid="departments"' in pages["browser"]
        assert _bag(pages["buyer"]) == "2" and _bag(pages["browser"]) == "0"


def test_the_menus_are_kept_a_minute_then_show_a_new_article_type(client: Client, gnus):
    assert "Test Kurtas" in _page(client)
    product_make(name="Gnukurta Stole", price="500.00")
    Product.objects.filter(name="Gnukurta Stole").update(
        category=Category.objects.create(name="Gnu Stoles", slug="gnu-stoles")
    )
    assert "Gnu Stoles" not in _page(client), "the menus are a minute old at most"
    caches["fragments"].clear()  # what a minute does
    assert "Gnu Stoles" in _page(client)
