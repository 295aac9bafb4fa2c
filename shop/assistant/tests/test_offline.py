from __future__ import annotations

import pytest

from shop.assistant import services
from shop.assistant.lexicon import catalog_vocabulary
from shop.catalog.models import Category, Product

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("message", "found"),
    [
        ("shoes for a workout", "gym"),
        ("a shirt for work", "office"),
        ("networking drinks", None),
        ("beach wedding", "beach"),
    ],
)
def test_occasions_are_whole_words(message, found):
    occasion = catalog_vocabulary().occasion_of(message.split())

    assert (occasion.slug if occasion else None) == found


@pytest.mark.parametrize(
    ("message", "lead"),
    [
        ("shoes for a workout", "right for the gym"),
        ("shoes for an interview", "right for the office"),
        ("shoes for running", "right for the gym"),
        ("shoes for work", "right for the office"),
    ],
)
def test_the_occasion_reads_as_english_in_why_a_product_fits(message, lead):
    reply = services.assistant_reply(message=message)

    assert lead in reply.advice
    assert "For a work," not in reply.advice


@pytest.mark.parametrize(
    ("message", "opening"),
    [
        ("a watch", "Here is 1 watch from our catalog."),
        ("show me three watches", "Here are 3 watches from our catalog."),
        ("two pairs of shoes", "Here are 2 pairs of shoes from our catalog."),
        ("I'd like 2 t-shirts and a tie", "Here are 2 tshirts and 1 tie from our catalog."),
    ],
)
def test_the_advice_counts_what_it_found_in_the_catalogs_words(message, opening):
    reply = services.assistant_reply(message=message)

    assert reply.advice.startswith(opening)


@pytest.mark.parametrize(
    ("name", "message", "opening"),
    [
        ("Scarves", "a scarf", "Here is 1 scarf from our catalog."),
        ("Gloves", "gloves", "Here is 1 pair of gloves from our catalog."),
        ("Jackets", "a jacket", "Here is 1 jacket from our catalog."),
    ],
)
def test_one_product_is_named_in_the_singular(name, message, opening):
    category = Category.objects.create(name=name, slug=name.lower())
    Product.objects.create(external_id=f"one-{name}", name=f"A {name}", category=category)

    reply = services.assistant_reply(message=message)

    assert reply.advice.startswith(opening)


def test_a_catalog_name_that_is_not_counted_stays_as_it_is():
    swimwear = Category.objects.create(name="Swimwear", slug="swimwear")
    Product.objects.create(external_id="swim-1", name="Blue Swimsuit", category=swimwear)

    reply = services.assistant_reply(message="a swimsuit")

    assert reply.advice.startswith("Here is 1 swimwear from our catalog.")


def test_each_want_gets_its_own_count():
    reply = services.assistant_reply(message="three watches and a belt")

    assert [p["article_type"] for p in reply.products] == ["Watches"] * 3 + ["Belts"]
    assert reply.number_of_items == 3


def test_anything_but_leaves_the_type_out():
    reply = services.assistant_reply(message="anything but heels")

    assert reply.products
    assert "Heels" not in {p["article_type"] for p in reply.products}


def test_a_budget_keeps_only_products_within_it():
    watches = list(Product.objects.filter(category__name="Watches").order_by("id"))
    assert len(watches) >= 3, "the subset should have a few watches"
    for i, watch in enumerate(watches):
        watch.price = 1000 if i % 2 else 9000
        watch.save()

    reply = services.assistant_reply(message="show me 2 watches under 5000")

    assert len(reply.products) == 2
    assert {p["price"] for p in reply.products} == {"1000.00"}
    assert "within your budget of ₹5,000" in reply.advice


def test_a_budget_that_cannot_be_checked_is_said_so():
    reply = services.assistant_reply(message="sneakers under ₹2,000")

    assert reply.products
    assert "couldn't check them against your budget of ₹2,000" in reply.advice


def test_the_advice_does_not_argue_a_season_against_the_occasion():
    from shop.assistant import advice
    from shop.assistant.types import Classification, OccasionInfo

    jacket = Product(name="Wool Jacket", usage="Casual", season="Winter", base_colour="Navy")
    asked = Classification(wants=(), number_of_items=1)
    beach = OccasionInfo(slug="beach", name="the beach", words=("beach",), usages=("Casual",))

    assert "colder months" not in advice._why(jacket, asked, beach)
    assert "right for the beach" in advice._why(jacket, asked, beach)
    # With no occasion named, the season still says what the product is for.
    assert "made for the colder months" in advice._why(jacket, asked, None)
