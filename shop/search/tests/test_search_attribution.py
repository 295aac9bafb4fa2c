"""Attribution (issue 18, part 4): every results page, category page and API search gets
a search id; a click, an add-to-cart and an order are counted for the search that led
to them, in the same session, within the window."""

from __future__ import annotations

import re
import time
import uuid
from decimal import Decimal

import pytest
from django.core import signing
from django.test import Client

from shop.cart.tests.factories import product_make, variant_of
from shop.catalog.services import product_search_vectors_refresh
from shop.orders.services import order_place
from shop.orders.tests.helpers import DETAILS
from shop.search import attribution
from shop.search.models import SearchEvent, SearchQueryLog

pytestmark = pytest.mark.django_db


@pytest.fixture
def kurtas():
    """Two products only the words "zebrakurta" find, buyable, in one article type."""
    products = [
        product_make(name=f"Zebrakurta Linen {n}", price="1000.00", stock=5) for n in range(2)
    ]
    product_search_vectors_refresh(product_ids=[p.pk for p in products])
    return products


def _link_for(client: Client, params: dict, product) -> str:
    html = client.get("/", params).content.decode()
    match = re.search(rf'href="({re.escape(product.get_absolute_url())}\?sid=[^"]+)"', html)
    assert match, "the product's card links its page with a click token"
    return match.group(1)


def _add(client: Client, product, quantity: int = 1) -> None:
    data = {"product": product.pk, "variant": variant_of(product, "M").pk, "quantity": quantity}
    assert client.post("/cart/add/", data).status_code == 302


def test_a_search_and_a_category_page_get_search_ids(client: Client, kurtas):
    search = client.get("/", {"q": "zebrakurta"})
    category = client.get("/", {"category": kurtas[0].category.slug})
    home = client.get("/")
    assert search.context["search_id"] and category.context["search_id"]
    assert home.context["search_id"] == ""
    logs = list(SearchQueryLog.objects.order_by("id"))
    assert [(log.source, log.query, log.category) for log in logs] == [
        ("search", "zebrakurta", ""),
        ("category", "", kurtas[0].category.slug),
    ]
    assert signing.loads(search.context["search_id"], salt=attribution.SEARCH_SALT)[0] == logs[0].pk


def test_a_click_then_add_to_cart_then_order_are_counted_for_the_search(client, kurtas):
    link = _link_for(client, {"q": "zebrakurta"}, kurtas[1])
    log = SearchQueryLog.objects.get()
    assert client.get(link).status_code == 200
    _add(client, kurtas[1], quantity=2)
    _add(client, kurtas[0])  # never clicked from a search: not attributed

    cart_event = SearchEvent.objects.get(kind=SearchEvent.CART)
    assert (cart_event.search_id, cart_event.product_id, cart_event.quantity) == (
        log.pk,
        kurtas[1].pk,
        2,
    )
    order = order_place(
        cart_id=client.session["cart_id"], details=DETAILS, checkout_token=uuid.uuid4()
    )
    ordered = SearchEvent.objects.get(kind=SearchEvent.ORDER)
    assert (ordered.search_id, ordered.product_id, ordered.order_id) == (
        log.pk,
        kurtas[1].pk,
        order.pk,
    )
    assert ordered.revenue == Decimal("2000.00")
    assert SearchEvent.objects.filter(kind=SearchEvent.CLICK).count() == 1


def test_another_session_or_a_stale_click_attributes_nothing(client, kurtas, monkeypatch, settings):
    link = _link_for(client, {"q": "zebrakurta"}, kurtas[0])
    stranger = Client()
    stranger.get(link)  # a shared link: the stranger's session never searched
    _add(stranger, kurtas[0])
    assert not SearchEvent.objects.exists()

    client.get(link)
    settings.SHOP_SEARCH_ATTRIBUTION_HOURS = 24
    later = time.time() + 25 * 3600
    monkeypatch.setattr(time, "time", lambda: later)
    _add(client, kurtas[0])
    assert not SearchEvent.objects.filter(kind=SearchEvent.CART).exists()


def test_the_last_click_on_a_product_wins(client, kurtas):
    first = _link_for(client, {"q": "zebrakurta"}, kurtas[0])
    second = _link_for(client, {"q": "zebrakurta linen"}, kurtas[0])
    client.get(first)
    client.get(second)
    _add(client, kurtas[0])
    latest = SearchQueryLog.objects.order_by("-id").first()
    assert SearchEvent.objects.get(kind=SearchEvent.CART).search_id == latest.pk


def test_the_cart_api_attributes_an_add_too(client, kurtas):
    client.get(_link_for(client, {"q": "zebrakurta"}, kurtas[0]))
    response = client.post(
        "/api/cart/lines/",
        {"product": kurtas[0].pk, "variant": variant_of(kurtas[0], "S").pk, "quantity": 1},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert SearchEvent.objects.filter(kind=SearchEvent.CART).count() == 1


def test_an_api_search_gets_a_search_id_and_click_tokens(client, kurtas):
    response = client.post(
        "/api/search/", {"q": "zebrakurta"}, content_type="application/json"
    ).json()
    assert response["search_id"]
    hit = response["results"][0]
    log = SearchQueryLog.objects.get()
    assert (log.source, log.result_count) == ("api", len(response["results"]))
    assert (
        client.post(
            "/search/click/", {"token": hit["click_token"], "product": hit["id"]}
        ).status_code
        == 204
    )
    assert (
        Client()
        .post("/search/click/", {"token": hit["click_token"], "product": hit["id"]})
        .status_code
        == 400
    )
    assert SearchEvent.objects.get().position == 1


def test_a_later_page_of_a_search_keeps_its_search_and_positions(client: Client):
    products = [product_make(name=f"Pager Kurta {n}") for n in range(26)]
    params = {"category": products[0].category.slug}
    client.get("/", params)
    second = client.get("/", {**params, "page": "2"})
    assert SearchQueryLog.objects.count() == 1
    product = second.context["results"].page.object_list[0]
    assert attribution.click_token_read(product.search_token).position == 25
    Client().get("/", {**params, "page": "2"})  # a shared link to page 2: a search of its own
    assert SearchQueryLog.objects.count() == 2


def test_an_add_still_counts_after_signing_in_merges_the_cart(client, kurtas):
    from django.contrib.auth.models import User

    from shop.cart.services import cart_create, cart_line_add

    user = User.objects.create_user("asha", "asha@example.com", "pw")
    mine = cart_create(user=user)  # a cart from an earlier visit
    cart_line_add(
        cart=mine, product_id=kurtas[1].pk, variant_id=variant_of(kurtas[1], "L").pk, quantity=1
    )
    client.get(_link_for(client, {"q": "zebrakurta"}, kurtas[0]))
    _add(client, kurtas[0])
    client.force_login(user)  # the anonymous cart merges into the account's

    order_place(cart_id=mine.pk, details=DETAILS, checkout_token=uuid.uuid4(), user=user)
    ordered = SearchEvent.objects.get(kind=SearchEvent.ORDER)
    assert (ordered.product_id, ordered.revenue) == (kurtas[0].pk, Decimal("1000.00"))
