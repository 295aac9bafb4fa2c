from __future__ import annotations

from decimal import Decimal

import pytest

from shop.search.query import understand
from shop.search.vocabulary import Vocabulary

VOCABULARY = Vocabulary(
    values=[
        ("article_type", "Casual Shoes"),
        ("article_type", "Sports Shoes"),
        ("article_type", "Tshirts"),
        ("article_type", "Kurtas"),
        ("brand", "Puma"),
        ("colour", "Black"),
        ("colour", "Blue"),
        ("colour", "Navy Blue"),
        ("gender", "Men"),
        ("gender", "Women"),
    ],
    synonyms=[("sneakers", ["Sports Shoes", "Casual Shoes"], False)],
    words=["Puma Men Floral Print Kurta"],
)


def test_words_naming_colour_article_type_and_gender_become_filters():
    understood = understand("black casual shoes for men", VOCABULARY)
    assert understood.facets == {
        "colour": ("Black",),
        "category": ("Casual Shoes",),
        "gender": ("Men",),
    }
    assert understood.remaining == ""


def test_the_words_left_over_go_to_the_text_channels():
    understood = understand("Puma floral kurta", VOCABULARY)
    assert understood.facets == {"brand": ("Puma",), "category": ("Kurtas",)}
    assert understood.remaining == "floral"


def test_photo_words_like_this_but_in_blue_mean_the_colour_blue():
    understood = understand("like this but in blue", VOCABULARY)
    assert understood.facets == {"colour": ("Blue",)}
    assert understood.remaining == ""


@pytest.mark.parametrize(
    ("text", "low", "high"),
    [
        ("sneakers under 2000", None, Decimal("2000")),
        ("sneakers below ₹1,500", None, Decimal("1500")),
        ("sneakers under 2k", None, Decimal("2000")),
        ("tshirts less than rs 799", None, Decimal("799")),
        ("tshirts over 1000", Decimal("1000"), None),
        ("tshirts between 500 and 1000", Decimal("500"), Decimal("1000")),
        ("tshirts 1000 to 500", Decimal("500"), Decimal("1000")),
    ],
)
def test_price_bounds_are_read_and_taken_out_of_the_words(text, low, high):
    understood = understand(text, VOCABULARY)
    assert (understood.price_min, understood.price_max) == (low, high)
    assert understood.remaining == ""
    assert understood.facets["category"]


def test_a_typo_becomes_a_filter_and_a_suggestion():
    understood = understand("tshrit", VOCABULARY)
    assert understood.facets == {"category": ("Tshirts",)}
    assert understood.suggestion == "tshirts"


def test_nonsense_leaves_its_words_for_the_text_channels_and_no_filter():
    understood = understand("spaceship", VOCABULARY)
    assert understood.facets == {}
    assert understood.remaining == "spaceship"
    assert understood.suggestion is None
