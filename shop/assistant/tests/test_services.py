from __future__ import annotations

import pytest

from shop.assistant import services
from shop.assistant.exceptions import AssistantError
from shop.assistant.selectors import catalog_vocabulary
from shop.assistant.tests.conftest import INJECTION, SHOES
from shop.catalog.models import Product

pytestmark = pytest.mark.django_db


def test_two_pairs_of_shoes_gives_two_shoes_and_advice_offline():
    reply = services.assistant_reply(message="show me two pairs of shoes")

    assert reply.backend == "offline"
    assert set(reply.categories) == SHOES
    assert reply.number_of_items == 2
    assert len(reply.products) == 2
    assert {p["article_type"] for p in reply.products} <= SHOES
    assert reply.products[0]["name"] in reply.advice


def test_several_article_types_give_one_product_each():
    reply = services.assistant_reply(message="a dress, a belt and some heels")

    assert [p["article_type"] for p in reply.products] == ["Dresses", "Belts", "Heels"]


def test_products_link_to_their_pages_and_say_when_the_price_is_missing():
    reply = services.assistant_reply(message="a watch")

    card = reply.products[0]
    product = Product.objects.get(pk=card["id"])
    assert card["url"] == product.get_absolute_url()
    assert card["image_url"] == product.thumbnail.url
    assert card["price"] is None
    assert card["price_display"] == "Price unavailable"


def test_a_price_and_stock_are_shown_when_the_catalog_has_them():
    product = Product.objects.filter(category__name="Watches").first()
    product.price, product.stock = 1299, 0
    product.save()

    reply = services.assistant_reply(message="show me a few watches")

    card = next(p for p in reply.products if p["id"] == product.pk)
    assert card["price"] == "1299.00"
    assert card["price_display"] == "₹1,299 · out of stock"


def test_what_the_shop_does_not_carry_is_said_honestly_and_not_replaced():
    reply = services.assistant_reply(message="do you have a bikini?")

    assert reply.not_carried == ["swimwear"]
    assert reply.products == []
    assert "we don't carry swimwear" in reply.advice


def test_not_carried_is_reported_next_to_what_we_do_carry():
    reply = services.assistant_reply(message="a bikini and sandals")

    assert reply.not_carried == ["swimwear"]
    assert [p["article_type"] for p in reply.products] == ["Sandals"]
    assert "we don't carry swimwear" in reply.advice


def test_prompt_injection_in_the_message_stays_inside_the_catalog():
    reply = services.assistant_reply(message=INJECTION)

    names = set(catalog_vocabulary().names)
    assert set(reply.categories) <= names
    assert {p["article_type"] for p in reply.products} <= names
    assert Product.objects.filter(pk__in=[p["id"] for p in reply.products]).count() == len(
        reply.products
    )
    assert "<script>" not in reply.advice


def test_a_follow_up_uses_the_conversation_so_far():
    first = services.assistant_reply(message="a watch")
    session: dict = {}
    services.conversation_append(session=session, reply=first)

    follow_up = services.assistant_reply(
        message="show me three more",
        turns=services.selectors.conversation_get(session=session),
    )

    assert follow_up.categories == ["Watches"]
    assert len(follow_up.products) == 3


def test_the_conversation_keeps_only_the_last_ten_exchanges():
    session: dict = {}
    for i in range(12):
        reply = services.assistant_reply(message=f"{1 + i % 3} watches")
        services.conversation_append(session=session, reply=reply)

    turns = services.selectors.conversation_get(session=session)
    assert len(turns) == 20
    assert turns[0]["text"] == "3 watches"  # exchange 3 of 12 is the oldest kept


def test_an_empty_request_is_refused():
    with pytest.raises(AssistantError, match="Tell me what you are looking for"):
        services.assistant_reply(message="   ")


def test_a_message_over_the_limit_is_refused():
    with pytest.raises(AssistantError) as error:
        services.assistant_reply(message="x" * (services.MAX_MESSAGE_CHARS + 1))
    assert error.value.status == 400


def test_the_rate_limit_allows_the_configured_number_per_minute_per_session(settings):
    settings.SHOP_ASSISTANT_RATE_PER_MINUTE = 3
    keys = services.RateKeys(session="s", ip="10.0.0.1")
    for _ in range(3):
        services.assistant_rate_limit(keys=keys, now=1000.0)

    with pytest.raises(AssistantError) as error:
        services.assistant_rate_limit(keys=keys, now=1030.0)
    assert error.value.status == 429
    services.assistant_rate_limit(keys=services.RateKeys(session="other", ip="10.0.0.1"), now=1030)
    services.assistant_rate_limit(keys=keys, now=1061.0)


def test_an_address_gets_three_times_the_session_rate_whatever_its_sessions(settings):
    settings.SHOP_ASSISTANT_RATE_PER_MINUTE = 2
    for i in range(6):
        services.assistant_rate_limit(keys=services.RateKeys(session=f"s{i}", ip="a"), now=1000)

    for keys in (services.RateKeys(session="new", ip="a"), services.RateKeys(ip="a")):
        with pytest.raises(AssistantError) as error:
            services.assistant_rate_limit(keys=keys, now=1001.0)
        assert error.value.status == 429
    services.assistant_rate_limit(keys=services.RateKeys(ip="b"), now=1001.0)


def test_a_refused_request_does_not_use_up_the_other_limit(settings):
    settings.SHOP_ASSISTANT_RATE_PER_MINUTE = 1
    services.assistant_rate_limit(keys=services.RateKeys(session="s", ip="a"), now=1000.0)
    for _ in range(3):
        with pytest.raises(AssistantError):
            services.assistant_rate_limit(keys=services.RateKeys(session="s", ip="a"), now=1001)

    # The address has used one of its three, whatever the session was refused.
    services.assistant_rate_limit(keys=services.RateKeys(session="t", ip="a"), now=1002.0)


def test_an_occasion_prefers_products_made_for_it():
    shoes = Product.objects.filter(category__name__in=SHOES)
    formal = set(shoes.filter(usage__in=["Formal", "Ethnic", "Party"]).values_list("id", flat=True))
    assert formal and len(formal) < shoes.count(), "the subset should mix occasions"

    reply = services.assistant_reply(message="shoes for a wedding")

    chosen = {p["id"] for p in reply.products}
    assert chosen and chosen <= formal
