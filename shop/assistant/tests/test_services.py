from __future__ import annotations

from unittest import mock

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile

from shop import uploads
from shop.assistant import conversation as conversations
from shop.assistant import limits, services
from shop.assistant.exceptions import AssistantError
from shop.assistant.lexicon import catalog_vocabulary
from shop.assistant.tests.conftest import INJECTION, PROBE, SHOES
from shop.catalog.models import Category, Product, ProductVariant

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
    # Every watch, so the test holds whichever the search ranks first.
    watches = Product.objects.filter(category__name="Watches")
    watches.update(price=1299)
    # Stock lives on the sizes: every size sold out.
    assert ProductVariant.objects.filter(product__in=watches).update(stock=0) >= 1

    reply = services.assistant_reply(message="show me a few watches")

    card = reply.products[0]
    assert card["price"] == "1299.00"
    assert card["price_display"] == "₹1,299 · out of stock"


def test_what_the_shop_does_not_carry_is_said_honestly_and_not_replaced():
    reply = services.assistant_reply(message="do you have a bikini?")

    assert reply.not_carried == ["swimwear"]
    assert reply.products == []
    assert "We don't sell swimwear" in reply.advice


def test_not_carried_is_reported_next_to_what_we_do_carry():
    reply = services.assistant_reply(message="a bikini and sandals")

    assert reply.not_carried == ["swimwear"]
    assert [p["article_type"] for p in reply.products] == ["Sandals"]
    assert "We don't sell swimwear" in reply.advice


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
    conversation = conversations.SessionConversation({})
    conversation.append(services.assistant_reply(message="a watch"))

    follow_up = services.assistant_reply(
        message="show me three more", turns=conversation.turns(), state=conversation.state()
    )

    assert follow_up.categories == ["Watches"]
    assert len(follow_up.products) == 3


def test_the_conversation_keeps_only_the_last_ten_exchanges():
    conversation = conversations.SessionConversation({})
    for i in range(12):
        conversation.append(services.assistant_reply(message=f"{1 + i % 3} watches"))

    turns = conversation.turns()
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
    keys = limits.RateKeys(session="s", ip="10.0.0.1")
    for _ in range(3):
        limits.assistant_rate_limit(keys=keys, now=1000.0)

    with pytest.raises(AssistantError) as error:
        limits.assistant_rate_limit(keys=keys, now=1030.0)
    assert error.value.status == 429
    limits.assistant_rate_limit(keys=limits.RateKeys(session="other", ip="10.0.0.1"), now=1030)
    limits.assistant_rate_limit(keys=keys, now=1061.0)


def test_an_address_gets_three_times_the_session_rate_whatever_its_sessions(settings):
    settings.SHOP_ASSISTANT_RATE_PER_MINUTE = 2
    for i in range(6):
        limits.assistant_rate_limit(keys=limits.RateKeys(session=f"s{i}", ip="a"), now=1000)

    for keys in (limits.RateKeys(session="new", ip="a"), limits.RateKeys(ip="a")):
        with pytest.raises(AssistantError) as error:
            limits.assistant_rate_limit(keys=keys, now=1001.0)
        assert error.value.status == 429
    limits.assistant_rate_limit(keys=limits.RateKeys(ip="b"), now=1001.0)


def test_a_refused_request_does_not_use_up_the_other_limit(settings):
    settings.SHOP_ASSISTANT_RATE_PER_MINUTE = 1
    limits.assistant_rate_limit(keys=limits.RateKeys(session="s", ip="a"), now=1000.0)
    for _ in range(3):
        with pytest.raises(AssistantError):
            limits.assistant_rate_limit(keys=limits.RateKeys(session="s", ip="a"), now=1001)

    # The address has used one of its three, whatever the session was refused.
    limits.assistant_rate_limit(keys=limits.RateKeys(session="t", ip="a"), now=1002.0)


def test_an_occasion_prefers_products_made_for_it():
    shoes = Product.objects.filter(category__name__in=SHOES)
    formal = set(shoes.filter(usage__in=["Formal", "Ethnic", "Party"]).values_list("id", flat=True))
    assert formal and len(formal) < shoes.count(), "the subset should mix occasions"

    reply = services.assistant_reply(message="shoes for a wedding")

    chosen = {p["id"] for p in reply.products}
    assert chosen and chosen <= formal


# --- "complete this look" -------------------------------------------------------------


def _catalog_photo(product: Product):
    """The product's own photo from the shared catalog, through the shopper upload path."""
    path = django_settings.SHOP_SAMPLE_CATALOG / "images" / f"{product.external_id}.jpg"
    return uploads.photo_from_upload(upload=SimpleUploadedFile(path.name, path.read_bytes()))


def _topwear(gender: str) -> Product:
    return (
        Product.objects.filter(category__sub_category="Topwear", gender=gender)
        .order_by("external_id")
        .first()
    )


@pytest.mark.parametrize("message", ["complete this look", "what goes with this?"])
def test_a_photo_and_no_article_type_completes_the_look_from_other_sub_categories(message):
    top = _topwear("Men")

    reply = services.assistant_reply(message=message, photo=_catalog_photo(top))

    chosen = Category.objects.filter(name__in=reply.categories)
    assert 2 <= len(reply.categories) <= 3
    assert "Topwear" not in {c.sub_category for c in chosen}
    assert len({c.sub_category for c in chosen}) == len(reply.categories)
    assert {"Bottomwear", "Shoes"} <= {c.sub_category for c in chosen}
    assert [p["article_type"] for p in reply.products] == reply.categories
    products = Product.objects.in_bulk([p["id"] for p in reply.products])
    assert top.pk not in products
    assert all(p.category.sub_category != "Topwear" for p in products.values())
    assert "To complete your look, here is one of each:" in reply.advice
    assert reply.advice.startswith(f"Your photo shows a {top.base_colour.lower()} men's")


def test_a_completed_look_suits_the_photos_gender():
    top = _topwear("Women")

    reply = services.assistant_reply(message="complete this look", photo=_catalog_photo(top))

    products = Product.objects.in_bulk([p["id"] for p in reply.products])
    assert products
    assert {p.gender for p in products.values()} <= {"Women", "Unisex"}
    assert "Topwear" not in {p.category.sub_category for p in products.values()}


def test_a_photo_with_an_article_type_named_searches_that_type():
    top = _topwear("Men")

    reply = services.assistant_reply(message="a watch to go with this", photo=_catalog_photo(top))

    assert reply.categories == ["Watches"]


def test_a_new_photo_is_a_new_request_not_a_follow_up():
    conversation = conversations.SessionConversation({})
    conversation.append(services.assistant_reply(message="a tee"))
    top = _topwear("Men")

    reply = services.assistant_reply(
        message="complete this look",
        photo=_catalog_photo(top),
        turns=conversation.turns(),
        state=conversation.state(),
    )

    assert "Tshirts" not in reply.categories
    assert reply.categories


# --- one request, start to finish ------------------------------------------------------


def _ask(**overrides):
    session: dict = {}
    arguments = {
        "message": "a watch",
        "upload": None,
        "conversation": conversations.SessionConversation(session),
        "rate_keys": limits.RateKeys(session="s", ip="10.0.0.1"),
    } | overrides
    return services.assistant_ask(**arguments), arguments["conversation"]


def test_asking_answers_and_keeps_the_exchange_in_the_conversation():
    reply, conversation = _ask()

    assert reply.categories == ["Watches"]
    assert [t["role"] for t in conversation.turns()] == ["shopper", "assistant"]


def test_a_photo_is_decoded_by_the_projects_one_upload_path():
    photo = SimpleUploadedFile(PROBE.name, PROBE.read_bytes())

    with mock.patch.object(
        uploads, "photo_from_upload", autospec=True, side_effect=uploads.photo_from_upload
    ) as decode:
        reply, _conversation = _ask(upload=photo)

    decode.assert_called_once_with(upload=photo)
    assert reply.has_photo


@pytest.mark.parametrize(
    ("name", "data", "status"),
    [("notes.jpg", b"<html>hi</html>", 400), ("photo.heic", b"....ftypheic", 400)],
)
def test_a_rejected_photo_is_an_assistant_error_with_its_status(name, data, status):
    with pytest.raises(AssistantError) as error:
        _ask(upload=SimpleUploadedFile(name, data))

    assert error.value.status == status
    assert "Please upload" in error.value.message


def test_an_oversized_body_is_refused_before_the_rate_limit_and_counts_nothing(settings):
    # The oversized path skips CSRF: a hostile page must not spend a visitor's budget.
    settings.SHOP_ASSISTANT_RATE_PER_MINUTE = 1
    conversation = conversations.SessionConversation({})
    for _ in range(5):
        with pytest.raises(AssistantError) as error:
            _ask(body_too_large=True, conversation=conversation)
        assert error.value.status == 413

    _ask()
    with pytest.raises(AssistantError) as error:
        _ask()
    assert error.value.status == 429
    assert conversation.turns() == []


def test_a_body_over_the_limit_is_a_413_with_the_shared_message():
    with pytest.raises(AssistantError) as error:
        _ask(body_too_large=True)

    assert (error.value.status, error.value.message) == (413, uploads.REQUEST_TOO_LARGE)


def test_an_api_conversation_is_kept_under_its_signed_token():
    conversation = conversations.TokenConversation.from_token(None)

    _ask(conversation=conversation)

    again = conversations.TokenConversation.from_token(conversation.token())
    assert again.turns() == conversation.turns()
    assert len(again.turns()) == 2


def test_a_token_the_server_did_not_sign_is_refused():
    with pytest.raises(AssistantError) as error:
        conversations.TokenConversation.from_token("00000000-0000-0000-0000-000000000000")

    assert error.value.status == 400
