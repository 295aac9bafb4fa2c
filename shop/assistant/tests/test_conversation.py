"""Conversations end to end (offline): what carries across turns, paging, real prices."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shop.assistant import services
from shop.catalog.models import Product

pytestmark = pytest.mark.django_db


def _talk(*messages: str) -> list[services.AssistantReply]:
    conversation = services.SessionConversation({})
    replies = []
    for message in messages:
        reply = services.assistant_reply(
            message=message, turns=conversation.turns(), state=conversation.state()
        )
        conversation.append(reply)
        replies.append(reply)
    return replies


def test_gender_and_budget_carry_and_for_women_keeps_the_rest():
    first, second = _talk("watches under 5000", "for women")

    assert second.categories == ["Watches"]
    assert second.state["gender"] == "Women"
    assert second.state["max_price"] == "5000"
    women = set(Product.objects.filter(gender__in=["Women", "Unisex"]).values_list("id", flat=True))
    assert {p["id"] for p in second.products} <= women


def test_more_pages_on_to_products_not_shown_yet():
    first, more, again = _talk("a wallet", "other options", "show me more")

    assert more.categories == ["Wallets"]
    assert not {p["id"] for p in first.products} & {p["id"] for p in more.products}
    shown = {p["id"] for p in first.products} | {p["id"] for p in more.products}
    assert not shown & {p["id"] for p in again.products}


def test_cheaper_uses_the_real_prices_of_what_was_shown():
    watches = list(Product.objects.filter(category__name="Watches").order_by("id"))
    for i, watch in enumerate(watches):
        watch.price = Decimal(1000 + 1000 * i)
        watch.save()
    first, cheaper = _talk("a watch", "cheaper?")
    shown = Decimal(first.products[0]["price"])

    assert cheaper.categories == ["Watches"]
    assert all(Decimal(p["price"]) < shown for p in cheaper.products)


def test_no_comma_replaces_what_was_asked_for():
    _first, second = _talk("kurtas", "no, kurtis")

    assert second.categories == ["Kurtis"]


def test_forget_drops_one_of_the_things_asked_for():
    _first, second = _talk("a watch and a belt", "actually, forget the belt")

    assert second.categories == ["Watches"]
    assert {p["article_type"] for p in second.products} == {"Watches"}


def test_what_is_not_sold_is_said_with_what_we_have_instead_and_nothing_else_shown():
    reply = services.assistant_reply(message="do you sell laptops?")

    assert reply.products == []
    assert reply.not_carried == ["laptops"]
    assert "We don't sell laptops; we do have laptop bags." in reply.advice


def test_nothing_understood_is_said_and_no_filler_is_shown():
    reply = services.assistant_reply(message="asdfgh qwerty")

    assert reply.products == []
    assert reply.advice.startswith("I'm not sure what you're looking for.")


def test_an_outfit_names_each_product_once_with_a_note_for_wearing_them_together():
    reply = services.assistant_reply(message="a gym outfit for men")

    assert set(reply.categories) >= {"Tshirts", "Track Pants", "Sports Shoes"}
    for card in reply.products:
        assert reply.advice.count(card["name"]) == 1
    assert "For the gym:" in reply.advice


def test_a_typo_is_read_and_said():
    reply = services.assistant_reply(message="a wach")

    assert reply.categories == ["Watches"]
    assert "(I read “wach” as “watch”.)" in reply.advice


def test_prices_are_said_once_per_product_with_the_shops_money_format():
    watch = Product.objects.filter(category__name="Watches").order_by("id").first()
    watch.price = Decimal("12345")
    watch.save()

    reply = services.assistant_reply(message="four watches")

    assert reply.advice.count("₹12,345") == 1
    assert "Price unavailable" in reply.advice
    assert "(price unavailable)" not in reply.advice
