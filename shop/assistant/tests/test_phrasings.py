"""The shopper-phrasing table: what the offline rules make of 150+ ways shoppers ask.

Written from the shopper's side (typos, British/American/Indian English, Hindi and
Spanish fragments, outfits, occasions, negations, things not sold, follow-ups), against
every article type of the shared sample catalog. The bar is an exact article-type set.
"""

from __future__ import annotations

import csv

import pytest
from django.conf import settings
from django.db import transaction

from shop.assistant.lexicon import catalog_vocabulary
from shop.assistant.rules import classify
from shop.catalog.models import Category, Product

pytestmark = pytest.mark.django_db

SHOES = {"Sports Shoes", "Casual Shoes", "Formal Shoes"}
SNEAKERS = {"Sports Shoes", "Casual Shoes"}
BEACH_MEN = {"Tshirts", "Shorts", "Flip Flops", "Sunglasses"}

# (message, article types wanted, things said not to be sold)
SINGLE = [
    # typos
    ("black tshrit", {"Tshirts"}, ()),
    ("a wach for men", {"Watches"}, ()),
    ("leggins", {"Leggings"}, ()),
    ("formal shose", {"Formal Shoes"}, ()),
    ("sandles for summer", {"Sandals"}, ()),
    ("blue jeens", {"Jeans"}, ()),
    ("a leather walet", {"Wallets"}, ()),
    ("braclet for my wife", {"Bracelet"}, ()),
    ("sunglases", {"Sunglasses"}, ()),
    ("red hand bag", {"Handbags"}, ()),
    ("hand bags", {"Handbags"}, ()),
    ("black hells for a party", {"Heels"}, ()),
    ("a sweter for winter", {"Sweaters"}, ()),
    ("jaket for men", {"Jackets"}, ()),
    ("kurtha for diwali", {"Kurtas"}, ()),
    ("neckalce", {"Necklace and Chains"}, ()),
    ("earings", {"Earrings"}, ()),
    ("trouser for office", {"Trousers"}, ()),
    ("sneekers", SNEAKERS, ()),
    ("backpak for college", {"Backpacks"}, ()),
    ("lipstik", {"Lipstick"}, ()),
    ("skirtt", {"Skirts"}, ()),
    ("perfum for him", {"Perfume and Body Mist"}, ()),
    ("a good deodrant", {"Deodorant"}, ()),
    ("tshirts for gym", {"Tshirts"}, ()),
    # shopper words: British, American, Indian English
    ("knickers", {"Briefs"}, ()),
    ("some cotton knickers for women", {"Briefs"}, ()),
    ("sliders for the pool", {"Flip Flops", "Sports Sandals"}, ()),
    ("nail paint", {"Nail Polish"}, ()),
    ("nail varnish in red", {"Nail Polish"}, ()),
    ("lip balm", {"Lip Care"}, ()),
    ("a jumper", {"Sweaters"}, ()),
    ("trainers", SNEAKERS, ()),
    ("joggers for men", {"Track Pants"}, ()),
    ("trackies", {"Track Pants"}, ()),
    ("a hoodie", {"Sweatshirts"}, ()),
    ("tees", {"Tshirts"}, ()),
    ("polo t shirt", {"Tshirts"}, ()),
    ("a purse", {"Handbags", "Clutches", "Wallets"}, ()),
    ("rucksack", {"Backpacks"}, ()),
    ("shades for the beach", {"Sunglasses"}, ()),
    ("aviators", {"Sunglasses"}, ()),
    ("flip-flops", {"Flip Flops"}, ()),
    ("chappals", {"Sandals", "Flip Flops"}, ()),
    ("a salwar suit", {"Kurta Sets"}, ()),
    ("salwar kameez for eid", {"Kurta Sets"}, ()),
    ("a saree for my sister's wedding", {"Sarees"}, ()),
    ("sari", {"Sarees"}, ()),
    ("kurti", {"Kurtis"}, ()),
    ("dupatta", {"Dupatta"}, ()),
    ("jhumkas", {"Earrings"}, ()),
    ("bangles", {"Bangle"}, ()),
    ("banyan for men", {"Innerwear Vests"}, ()),
    ("vests", {"Innerwear Vests"}, ()),
    ("a bra", {"Bra"}, ()),
    ("boxer shorts", {"Boxers"}, ()),
    ("a muffler", {"Mufflers"}, ()),
    ("a stole", {"Stoles"}, ()),
    ("moisturiser", {"Face Moisturisers"}, ()),
    ("sunblock", {"Sunscreen"}, ()),
    ("cologne", {"Perfume and Body Mist"}, ()),
    ("kajal", {"Kajal and Eyeliner"}, ()),
    ("phone cover", {"Mobile Pouch"}, ()),
    ("keyring", {"Key chain"}, ()),
    ("a bathrobe", {"Bath Robe"}, ()),
    ("night suit", {"Night suits"}, ()),
    ("pyjamas", {"Night suits", "Lounge Pants"}, ()),
    ("gym bag", {"Duffel Bag"}, ()),
    ("duffle bag", {"Duffel Bag"}, ()),
    ("water bottle", {"Water Bottle"}, ()),
    ("wristwatch", {"Watches"}, ()),
    ("smartwatch", {"Watches"}, ()),
    ("capris", {"Capris"}, ()),
    ("a jumpsuit", {"Jumpsuit"}, ()),
    ("rompers", {"Rompers"}, ()),
    ("a waistcoat", {"Waistcoat"}, ()),
    ("cufflinks", {"Cufflinks"}, ()),
    ("a headband", {"Headband"}, ()),
    ("ballerinas", {"Flats"}, ()),
    ("stockings", {"Stockings"}, ()),
    ("a camisole", {"Camisoles"}, ()),
    ("a rain jacket", {"Rain Jacket"}, ()),
    ("raincoat", {"Rain Jacket"}, ()),
    ("a tracksuit", {"Tracksuits"}, ()),
    ("scarves", {"Scarves"}, ()),
    ("a scarf", {"Scarves"}, ()),
    ("gloves", {"Gloves"}, ()),
    ("a cap", {"Caps"}, ()),
    ("clutch for a party", {"Clutches"}, ()),
    ("laptop bag", {"Laptop Bag"}, ()),
    ("tablet sleeve", {"Tablet Sleeve"}, ()),
    # Hindi, Spanish, French fragments
    ("joote for men", SHOES, ()),
    ("ghadi", {"Watches"}, ()),
    ("mujhe kurta chahiye", {"Kurtas"}, ()),
    ("zapatos para hombre", SHOES, ()),
    ("un vestido rojo", {"Dresses"}, ()),
    ("una camisa blanca", {"Shirts"}, ()),
    ("gafas de sol", {"Sunglasses"}, ()),
    ("une robe noire", {"Dresses"}, ()),
    ("reloj para mujer", {"Watches"}, ()),
    ("jutti for the wedding", {"Flats"}, ()),
    # words with two meanings, decided by context
    ("lipstick in nude shades", {"Lipstick"}, ()),
    ("shades of blue shirts", {"Shirts"}, ()),
    ("belt to match my white kurta", {"Belts"}, ()),
    ("shoes to go with my black jeans", SHOES, ()),
    ("a bag for my laptop", {"Laptop Bag"}, ()),
    ("what would suit me for a party, a dress?", {"Dresses"}, ()),
    ("top 5 watches", {"Watches"}, ()),
    ("a bath robe", {"Bath Robe"}, ()),
    # negations
    ("shoes but not sneakers", {"Formal Shoes"}, ()),
    ("sandals, no flip flops", {"Sandals"}, ()),
    ("jeans without a belt", {"Jeans"}, ()),
    ("anything but heels, maybe flats", {"Flats"}, ()),
    ("no tshirts, shirts only", {"Shirts"}, ()),
    ("a watch instead of a bracelet", {"Watches"}, ()),
    # counts and budgets stay out of the types
    ("3 kurtis under 1500", {"Kurtis"}, ()),
    ("size 9 formal shoes", {"Formal Shoes"}, ()),
    ("two pairs of socks", {"Socks"}, ()),
    ("show me 4 handbags below ₹2,000", {"Handbags"}, ()),
    # not sold: said, never replaced
    ("laptops", set(), ("laptops",)),
    ("do you sell laptops?", set(), ("laptops",)),
    ("a sofa", set(), ("sofas",)),
    ("shampoo for dry hair", set(), ("shampoo",)),
    ("spectacles", set(), ("spectacles",)),
    ("a tennis racket", set(), ("tennis rackets",)),
    ("a phone", set(), ("phones",)),
    ("a bikini", {"Swimwear"}, ()),
    ("a suit for an interview", set(), ("suits",)),
    ("a tuxedo", set(), ("tuxedos",)),
    ("headphones and a watch", {"Watches"}, ("headphones",)),
    ("a cricket bat", set(), ("cricket bats",)),
    ("a yoga mat and leggings", {"Leggings"}, ("yoga mats",)),
    ("toothpaste", set(), ("toothpaste",)),
    ("a hat", set(), ("hats",)),
    # nothing understood: nothing shown
    ("asdfgh qwerty", set(), ()),
    ("hello", set(), ()),
]

# (message, gender-less answer types, expected outfit types)
OUTFITS = [
    ("an outfit for a beach holiday for a man", BEACH_MEN),
    ("what should I wear to the gym?", {"Tshirts", "Track Pants", "Sports Shoes"}),
    ("complete office look for a man", {"Shirts", "Trousers", "Formal Shoes", "Belts"}),
    ("office outfit for women", {"Shirts", "Trousers", "Heels", "Handbags"}),
    ("wedding outfit for my husband", {"Kurtas", "Trousers", "Formal Shoes", "Watches"}),
    ("what to wear to a wedding, I'm a woman", {"Sarees", "Heels", "Earrings", "Clutches"}),
    ("party look for her", {"Dresses", "Heels", "Clutches", "Earrings"}),
    ("date night outfit for a guy", {"Shirts", "Jeans", "Casual Shoes", "Watches"}),
    ("something to wear on a trip", {"Tshirts", "Jeans", "Casual Shoes", "Backpacks"}),
    ("diwali outfit for men", {"Kurtas", "Trousers", "Sandals", "Watches"}),
    ("festive look for women", {"Kurtas", "Leggings", "Flats", "Earrings", "Bangle"}),
    ("workout clothes", {"Tshirts", "Track Pants", "Sports Shoes"}),
    ("beach outfit for women", {"Dresses", "Flip Flops", "Sunglasses", "Handbags"}),
    ("casual outfit for a girl", {"Tops", "Jeans", "Casual Shoes"}),
    ("a gym outfit without shoes", {"Tshirts", "Track Pants"}),
]

# Conversations: each turn is (message, expected types, expected carried values).
CONVERSATIONS = [
    [
        ("red dresses", {"Dresses"}, {"colour": "Red"}),
        ("for women", {"Dresses"}, {"colour": "Red", "gender": "Women"}),
        ("under 3000", {"Dresses"}, {"colour": "Red", "gender": "Women", "max_price": 3000}),
    ],
    [
        ("kurtas for men under 2000", {"Kurtas"}, {"gender": "Men", "max_price": 2000}),
        ("no, kurtis", {"Kurtis"}, {"gender": "Men", "max_price": 2000}),
    ],
    [
        ("a gym outfit for men", {"Tshirts", "Track Pants", "Sports Shoes"}, {"gender": "Men"}),
        ("and a water bottle", {"Tshirts", "Track Pants", "Sports Shoes", "Water Bottle"}, {}),
        ("actually, forget the bottle", {"Tshirts", "Track Pants", "Sports Shoes"}, {}),
    ],
    [
        ("black sneakers size 9", SNEAKERS, {"colour": "Black", "size": "9"}),
        ("any colour", SNEAKERS, {"colour": "", "size": "9"}),
        ("other options", SNEAKERS, {"more": True}),
    ],
    [
        ("watches under 5000", {"Watches"}, {"max_price": 5000}),
        ("forget the budget", {"Watches"}, {"max_price": None}),
        ("show me three", {"Watches"}, {"number_of_items": 3}),
    ],
    [
        ("something for a wedding", set(), {"question": True}),
        ("for my wife", {"Sarees", "Heels", "Earrings", "Clutches"}, {"gender": "Women"}),
    ],
    [
        ("shoes for a wedding", SHOES, {"occasion": "wedding"}),
        ("not the sports ones, formal", {"Formal Shoes"}, {"occasion": "wedding"}),
    ],
]


@pytest.fixture(scope="module")
def vocabulary(django_db_setup, django_db_blocker):
    """Every article type of the shared sample catalog, one product each at least.

    Read from the database once, inside a transaction that is then rolled back, so
    the rows never reach other tests.
    """
    with open(settings.SHOP_SAMPLE_CATALOG / "styles.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    with django_db_blocker.unblock(), transaction.atomic():
        vocabulary = _full_catalog_vocabulary(rows)
        transaction.set_rollback(True)
    # The table is about words, not stock: every type counts for every gender.
    vocabulary.genders = {}
    return vocabulary


def _full_catalog_vocabulary(rows):
    for row in rows:
        category, created = Category.objects.get_or_create(
            name=row["articleType"],
            defaults={
                "slug": row["articleType"].lower().replace(" ", "-"),
                "sub_category": row["subCategory"],
                "master_category": row["masterCategory"],
            },
        )
        if created:
            Product.objects.create(
                external_id=f"table-{row['id']}", name=row["productDisplayName"], category=category
            )
    return catalog_vocabulary()


@pytest.mark.parametrize(("message", "types", "not_carried"), SINGLE)
def test_single_requests(vocabulary, message, types, not_carried):
    result = classify(message=message, vocabulary=vocabulary)

    assert set(result.categories) == types
    assert result.not_carried == not_carried


def test_nothing_understood_is_said_so(vocabulary):
    for message in ("asdfgh qwerty", "hello"):
        assert not classify(message=message, vocabulary=vocabulary).understood
    assert classify(message="something red", vocabulary=vocabulary).understood


@pytest.mark.parametrize(("message", "types"), OUTFITS)
def test_outfits_and_occasions(vocabulary, message, types):
    result = classify(message=message, vocabulary=vocabulary)

    assert set(result.categories) == types
    assert result.outfit


def test_a_gendered_outfit_asks_whom_it_is_for(vocabulary):
    result = classify(message="an outfit for a wedding", vocabulary=vocabulary)

    assert result.categories == []
    assert "men or women" in result.question


def test_typo_corrections_are_reported_with_what_was_meant(vocabulary):
    result = classify(message="black tshrit", vocabulary=vocabulary)

    assert result.corrections == (("tshrit", "tshirt"),)


@pytest.mark.parametrize("turns", CONVERSATIONS)
def test_conversations_carry_context(vocabulary, turns):
    previous = None
    for message, types, carried in turns:
        result = classify(message=message, vocabulary=vocabulary, previous=previous)
        assert set(result.categories) == types, message
        for name, value in carried.items():
            got = getattr(result, name)
            if name == "question":
                got = bool(got)
            assert got == value, (message, name)
        previous = result


def test_the_vocabulary_holds_every_sample_article_type(vocabulary):
    assert len(vocabulary.names) >= 100


def test_the_table_is_large_enough():
    cases = len(SINGLE) + len(OUTFITS) + sum(len(turns) for turns in CONVERSATIONS)
    assert cases >= 150
