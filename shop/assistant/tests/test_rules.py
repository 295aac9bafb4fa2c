from __future__ import annotations

from decimal import Decimal

import pytest

from shop.assistant.lexicon import catalog_vocabulary
from shop.assistant.rules import classify, search_words
from shop.assistant.tests.conftest import INJECTION, SHOES
from shop.assistant.types import Classification, Want
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
    # "but" rules out what follows "anything but"
    ("anything but heels", set(), 3, ()),
    # a ranking is not an article type
    ("top 5 watches", {"Watches"}, 5, ()),
    # sizes and measurements are not counts
    ("my size is 9, show me shoes", SHOES, 1, ()),
    ("30 inch jeans", {"Jeans"}, 1, ()),
    ("waist 32 jeans", {"Jeans"}, 1, ()),
    ("size 9 uk sneakers", {"Sports Shoes", "Casual Shoes"}, 1, ()),
    # a count belongs to what it precedes (number_of_items is the largest)
    ("I'd like 2 shirts and a tie", {"Shirts", "Ties"}, 2, ()),
    ("three ties and a belt", {"Ties", "Belts"}, 3, ()),
    # shopper phrases that name one catalog type, not the words in them
    ("dress shirts", {"Shirts"}, 1, ()),
    ("swimming trunks", set(), 3, ("swimwear",)),
    ("a suit for an interview", set(), 3, ("suits",)),
    ("watches under 5000", {"Watches"}, 1, ()),
    ("sneakers under ₹2,000", {"Sports Shoes", "Casual Shoes"}, 1, ()),
]

# (shopper's words, article types to add to the catalog, article types, not carried)
NEW_TYPE_PHRASINGS = [
    # -ves/-f and -ies/-y plurals
    ("a scarf", ["Scarves"], {"Scarves"}, ()),
    ("scarves", ["Scarves"], {"Scarves"}, ()),
    ("travel accessories", ["Travel Accessory"], {"Travel Accessory"}, ()),
    # closed-up and spaced spellings
    ("bathrobe", ["Bath Robe"], {"Bath Robe"}, ()),
    ("bathrobes", ["Bath Robe"], {"Bath Robe"}, ()),
    ("keychain", ["Key chain"], {"Key chain"}, ()),
    ("night dress", ["Nightdress"], {"Nightdress"}, ()),
    ("rain coat", ["Rain Jacket"], {"Rain Jacket"}, ()),
    # a generic head alone does not name a multi-word type
    ("a suit", ["Night suits"], set(), ("suits",)),
    ("suits", ["Night suits"], set(), ("suits",)),
    ("a suit for an interview", ["Night suits"], set(), ("suits",)),
    ("night suits", ["Night suits"], {"Night suits"}, ()),
    ("a party dress", ["Nightdress"], {"Dresses"}, ()),
    ("swimming trunks", ["Swimwear", "Trunk"], {"Swimwear"}, ()),
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


@pytest.mark.parametrize(("message", "added", "categories", "not_carried"), NEW_TYPE_PHRASINGS)
def test_it_reads_phrasings_for_article_types_the_catalog_gains(
    message, added, categories, not_carried
):
    for name in added:
        category = Category.objects.create(name=name, slug=name.lower().replace(" ", "-"))
        Product.objects.create(external_id=f"new-{name}", name=f"A {name}", category=category)

    result = classify(message=message, vocabulary=catalog_vocabulary())

    assert set(result.categories) == categories
    assert result.not_carried == not_carried


def test_a_count_belongs_to_the_item_it_precedes(vocabulary):
    result = classify(message="I'd like 2 shirts and a tie", vocabulary=vocabulary)

    assert [(w.categories, w.count) for w in result.wants] == [(("Shirts",), 2), (("Ties",), 1)]
    assert result.number_of_items == 2


def test_anything_but_rules_the_type_out(vocabulary):
    result = classify(message="anything but heels", vocabulary=vocabulary)

    assert result.wants == ()
    assert result.excluded == ("Heels",)


@pytest.mark.parametrize(
    ("message", "budget"),
    [
        ("watches under 5000", 5000),
        ("sneakers under ₹2,000", 2000),
        ("shirts for less than 1,499.50", Decimal("1499.50")),
        ("jeans up to rs 3000", 3000),
        ("size 9 sneakers", None),
        ("heels, 3 pairs", None),
    ],
)
def test_a_budget_is_read_from_the_message(vocabulary, message, budget):
    assert classify(message=message, vocabulary=vocabulary).max_price == budget


def test_request_words_are_not_search_words(vocabulary):
    words = search_words("I'd like a red shirt, is there anything you sell?", vocabulary=vocabulary)

    assert words.split() == ["red"]


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
