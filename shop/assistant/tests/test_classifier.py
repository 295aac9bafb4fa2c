from __future__ import annotations

import pytest

from shop.assistant.classifier import Classification, Want, classify, search_words
from shop.assistant.selectors import catalog_vocabulary
from shop.assistant.tests.conftest import INJECTION, SHOES
from shop.catalog.models import Category, Product

pytestmark = pytest.mark.django_db

# (shopper's words, article types, number of items, not carried)
PHRASINGS = [
    ("show me two pairs of shoes", SHOES, 2, ()),
    ("I need sneakers", {"Sports Shoes", "Casual Shoes"}, 1, ()),
    ("A few TEES please", {"Tshirts"}, 2, ()),
    ("some black t-shirts", {"Tshirts"}, 2, ()),
    ("Tshirt", {"Tshirts"}, 1, ()),
    ("3 shirts and jeans", {"Shirts", "Jeans"}, 3, ()),
    ("a dress, a belt and some heels", {"Dresses", "Belts", "Heels"}, 1, ()),
    ("Show me FIVE Watches", {"Watches"}, 5, ()),
    ("twenty shirts", {"Shirts"}, 6, ()),
    ("a couple of handbags", {"Handbags"}, 2, ()),
    ("size 9 sneakers", {"Sports Shoes", "Casual Shoes"}, 1, ()),
    ("wallets for my 5 year old", {"Wallets"}, 1, ()),
    ("any options for a wallet?", {"Wallets"}, 2, ()),
    ("hoodies for winter", {"Sweatshirts"}, 1, ()),
    ("joggers", {"Track Pants"}, 1, ()),
    ("a pair of flip-flops", {"Flip Flops"}, 1, ()),
    ("long sleeve shirt", {"Shirts"}, 1, ()),
    (
        "I need an outfit for a summer wedding, show me two options of shoes",
        SHOES,
        2,
        (),
    ),
    ("do you have swimwear?", set(), 3, ("swimwear",)),
    ("a bikini and sandals", {"Sandals"}, 1, ("swimwear",)),
    ("a tuxedo for prom", set(), 3, ("tuxedos",)),
    ("something nice for a party", set(), 3, ()),
    (INJECTION, set(), 3, ()),
    # numbers of three or more digits are counts too (clamped); sizes, prices, ages
    # and model numbers are not
    ("show me 100 watches", {"Watches"}, 6, ()),
    # describing words between the number and the article type
    ("show me 3 red tshirts", {"Tshirts"}, 3, ()),
    ("two black heels", {"Heels"}, 2, ()),
    ("4 summer dresses", {"Dresses"}, 4, ()),
    ("3 mens shirts", {"Shirts"}, 3, ()),
    ("two blue denim jeans", {"Jeans"}, 2, ()),
    ("250 tshirts please", {"Tshirts"}, 6, ()),
    ("size 10 sneakers", {"Sports Shoes", "Casual Shoes"}, 1, ()),
    ("sneakers under 2000", {"Sports Shoes", "Casual Shoes"}, 1, ()),
    ("watches under ₹1500", {"Watches"}, 1, ()),
    ("₹1,500 sneakers", {"Sports Shoes", "Casual Shoes"}, 1, ()),
    ("heels for 1500 rupees", {"Heels"}, 1, ()),
    ("a belt for my 5 year old", {"Belts"}, 1, ()),
    ("size 9.5 sneakers", {"Sports Shoes", "Casual Shoes"}, 1, ()),
    ("Levi's 501 jeans", {"Jeans"}, 1, ()),
    # what the shopper rules out is left out
    ("I need shoes not sandals", SHOES, 1, ()),
    ("no shirts please, just jeans", {"Jeans"}, 1, ()),
    ("jeans without a belt", {"Jeans"}, 1, ()),
    (
        "footwear except heels",
        {"Sports Shoes", "Casual Shoes", "Formal Shoes", "Sandals", "Sports Sandals", "Flip Flops"},
        1,
        (),
    ),
    ("a watch but not a belt", {"Watches"}, 1, ()),
    ("sneakers instead of sandals", {"Sports Shoes", "Casual Shoes"}, 1, ()),
    ("I don't want sandals, show me heels", {"Heels"}, 1, ()),
    ("no shirts or jeans, two pairs of shoes", SHOES, 2, ()),
    ("no tie and a belt", {"Belts"}, 1, ()),
    ("no swimwear, just a belt", {"Belts"}, 1, ()),
]


@pytest.fixture
def vocabulary():
    return catalog_vocabulary()


@pytest.mark.parametrize(("message", "categories", "count", "not_carried"), PHRASINGS)
def test_it_reads_real_shopper_phrasings(vocabulary, message, categories, count, not_carried):
    result = classify(message=message, vocabulary=vocabulary)

    assert set(result.categories) == categories
    assert result.number_of_items == count
    assert result.not_carried == not_carried


def test_the_table_only_names_article_types_the_test_catalog_has(vocabulary):
    used = set().union(*(categories for _m, categories, _n, _nc in PHRASINGS))

    assert used <= set(vocabulary.names)


def test_article_types_come_from_the_database_not_a_list(vocabulary):
    assert classify(message="a swimsuit", vocabulary=vocabulary).not_carried == ("swimwear",)
    swimwear = Category.objects.create(name="Swimwear", slug="swimwear")
    Product.objects.create(external_id="swim-1", name="Blue Swimsuit", category=swimwear)

    result = classify(message="a swimsuit", vocabulary=catalog_vocabulary())

    assert result.categories == ["Swimwear"]
    assert result.not_carried == ()


def test_an_article_type_with_no_browsable_products_is_not_carried():
    hidden = Category.objects.create(name="Tuxedos", slug="tuxedos")
    Product.objects.create(external_id="tux-1", name="Tux", category=hidden, is_active=False)

    result = classify(message="a tuxedo", vocabulary=catalog_vocabulary())

    assert result.categories == []
    assert result.not_carried == ("tuxedos",)


def test_several_wants_are_kept_in_the_order_the_shopper_named_them(vocabulary):
    result = classify(message="jeans, then a belt and sunglasses", vocabulary=vocabulary)

    assert result.categories == ["Jeans", "Belts", "Sunglasses"]


def test_a_follow_up_without_an_article_type_keeps_the_previous_ones(vocabulary):
    previous = Classification(
        wants=(Want(words="watches", categories=("Watches",)),), number_of_items=1
    )

    result = classify(message="show me three more", vocabulary=vocabulary, previous=previous)

    assert result.categories == ["Watches"]
    assert result.number_of_items == 3


def test_search_words_keep_what_describes_the_item(vocabulary):
    words = search_words(
        "Show me two pairs of black Puma sneakers for running", vocabulary=vocabulary
    )

    assert words.split() == ["black", "puma", "running"]


def test_a_follow_up_can_rule_out_one_of_the_previous_types(vocabulary):
    previous = Classification(
        wants=(
            Want(words="watches", categories=("Watches",)),
            Want(words="belts", categories=("Belts",)),
        ),
        number_of_items=1,
    )

    result = classify(message="not the belts", vocabulary=vocabulary, previous=previous)

    assert result.categories == ["Watches"]


def test_negations_and_prices_are_not_search_words(vocabulary):
    words = search_words("black sneakers not sandals under ₹1,499.50", vocabulary=vocabulary)

    assert words.split() == ["black"]
