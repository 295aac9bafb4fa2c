"""Understanding, measured on a held-out table: messages by class, written before the
rules were changed for them (issue 23), never tuned one by one.

Classes: everyday names for types (British, Indian and sports usage), distances and
event names with numbers, exclusions in the same message, things not sold, nothing
understood, and follow-ups that must keep context. The bar is an exact article-type
set (and the right not-carried label); the rate is printed, the floor asserted:

    SHOP_TEST_DB_NAME=test_assistant .venv/bin/python -m pytest \
        shop/assistant/tests/test_understanding.py -q -s
"""

from __future__ import annotations

import pytest

from shop.assistant.rules import classify

pytestmark = pytest.mark.django_db

SNEAKERS = {"Sports Shoes", "Casual Shoes"}
RUNNING = {"Sports Shoes"}
RAIN = {"Rain Jacket", "Rain Trousers"}

# (class, message, article types, not carried, count or None)
HELD_OUT = [
    # everyday names: sunglasses
    ("names", "cooling glasses for a road trip", {"Sunglasses"}, (), None),
    ("names", "a pair of sun glasses", {"Sunglasses"}, (), None),
    ("names", "sun specs for men", {"Sunglasses"}, (), None),
    ("names", "polarised shades", {"Sunglasses"}, (), None),
    ("names", "some sunnies for the beach", {"Sunglasses"}, (), None),
    # everyday names: sneakers and sports shoes
    ("names", "white kicks", SNEAKERS, (), None),
    ("names", "running trainers", RUNNING, (), None),
    ("names", "tennis shoes for my son", SNEAKERS, (), None),
    ("names", "runners for jogging", RUNNING, (), None),
    ("names", "high tops", {"Casual Shoes"}, (), None),
    ("names", "slip ons for men", {"Casual Shoes"}, (), None),
    ("names", "football boots", RUNNING, (), None),
    # everyday names: rainwear
    ("names", "rainwear for the monsoon", RAIN, (), None),
    ("names", "a rain coat", {"Rain Jacket"}, (), None),
    ("names", "waterproof jacket", {"Rain Jacket"}, (), None),
    ("names", "a windbreaker", {"Jackets"}, (), None),
    ("names", "an anorak", {"Rain Jacket"}, (), None),
    # everyday names: sportswear and other British/Indian usage
    ("names", "gym wear for women", {"Tshirts", "Track Pants", "Sports Shoes"}, (), None),
    ("names", "tracksuit bottoms", {"Track Pants"}, (), None),
    ("names", "lowers for men", {"Track Pants"}, (), None),
    ("names", "yoga pants", {"Leggings", "Track Pants"}, (), None),
    ("names", "gym shorts", {"Shorts"}, (), None),
    ("names", "a polo neck", {"Sweaters"}, (), None),
    ("names", "a dressing gown", {"Bath Robe"}, (), None),
    ("names", "kurta pyjama for men", {"Kurta Sets"}, (), None),
    ("names", "sando vests", {"Innerwear Vests"}, (), None),
    ("names", "a bum bag", set(), ("bum bags",), None),
    ("names", "kolhapuris", {"Sandals", "Flats"}, (), None),
    # distances and event names with numbers are not counts
    ("numbers", "shoes for a 5k run", RUNNING, (), 1),
    ("numbers", "10km running shoes", RUNNING, (), 1),
    ("numbers", "shoes for a 10 km race", RUNNING, (), 1),
    ("numbers", "a dress for my 21st birthday", {"Dresses"}, (), 1),
    ("numbers", "a shirt for my dad's 60th", {"Shirts"}, (), 1),
    ("numbers", "tshirts for a 3 day trek", {"Tshirts"}, (), 1),
    ("numbers", "shorts for a half marathon, 21 km", {"Shorts"}, (), 1),
    ("numbers", "a watch for our 25th anniversary", {"Watches"}, (), 1),
    ("numbers", "a 2 week holiday, need sandals", {"Sandals"}, (), 1),
    ("numbers", "3 tshirts for a 5 k run", {"Tshirts"}, (), 3),
    # exclusions in the same message
    ("exclusions", "shoes but not sports shoes", {"Casual Shoes", "Formal Shoes"}, (), None),
    ("exclusions", "footwear, no heels or flats", None, (), None),
    ("exclusions", "a bag but not a backpack", None, (), None),
    ("exclusions", "jewellery but no earrings or rings", None, (), None),
    ("exclusions", "sneakers, not the casual ones", RUNNING, (), None),
    # things not sold, said
    ("not sold", "a pair of specs", set(), ("spectacles",), None),
    ("not sold", "wellies for the rain", set(), ("wellies",), None),
    ("not sold", "a cycling helmet", set(), ("helmets",), None),
    ("not sold", "contact lenses", set(), ("contact lenses",), None),
]

# Follow-ups: turns of (message, article types, values that must carry).
FOLLOW_UPS = [
    [("red dresses for women", {"Dresses"}, {}), ("cheaper", {"Dresses"}, {"colour": "Red"})],
    [("kicks for men", SNEAKERS, {}), ("in blue", SNEAKERS, {"gender": "Men", "colour": "Blue"})],
    [
        ("an outfit for the office for a man", {"Shirts", "Trousers", "Formal Shoes", "Belts"}, {}),
        ("no belts", {"Shirts", "Trousers", "Formal Shoes"}, {"occasion": "office"}),
    ],
    [
        ("a wedding outfit", set(), {}),
        ("in blue", None, {"colour": "Blue", "occasion": "wedding"}),
        ("for women", None, {"colour": "Blue", "gender": "Women", "question": ""}),
    ],
    [("shades", {"Sunglasses"}, {}), ("for women", {"Sunglasses"}, {"gender": "Women"})],
    [("rainwear", RAIN, {}), ("size xl", RAIN, {"size": "XL"})],
]


@pytest.fixture(scope="module")
def vocabulary(full_vocabulary):
    return full_vocabulary


def _result(vocabulary, message):
    return classify(message=message, vocabulary=vocabulary)


def _passes(vocabulary, message, types, not_carried, count) -> bool:
    result = _result(vocabulary, message)
    if types is not None and set(result.categories) != types:
        return False
    if types is None:
        # An exclusion case: every type asked for, none of those ruled out.
        negated = {"heels", "flats", "backpacks", "earrings", "ring"}
        if not result.categories or any(
            c.lower() in negated or c.lower().rstrip("s") in negated for c in result.categories
        ):
            return False
    if tuple(result.not_carried) != not_carried:
        return False
    return count is None or result.number_of_items == count


def test_the_held_out_table_reaches_the_floor(vocabulary):
    failures = [
        (cls, message)
        for cls, message, types, not_carried, count in HELD_OUT
        if not _passes(vocabulary, message, types, not_carried, count)
    ]
    rate = 1 - len(failures) / len(HELD_OUT)
    print(f"\nheld-out exact article-type sets: {rate:.0%} of {len(HELD_OUT)}; failing: {failures}")
    assert rate >= 0.92, failures


def test_not_sold_is_said_on_the_held_out_table(vocabulary):
    cases = [row for row in HELD_OUT if row[3]]
    said = sum(tuple(_result(vocabulary, m).not_carried) == nc for _c, m, _t, nc, _n in cases)
    print(f"\nnot carried said: {said} of {len(cases)}")
    assert said / len(cases) >= 0.9


def test_follow_ups_keep_their_context(vocabulary):
    kept = []
    for turns in FOLLOW_UPS:
        previous = None
        ok = True
        for message, types, carried in turns:
            result = classify(message=message, vocabulary=vocabulary, previous=previous)
            if types is not None and set(result.categories) != types:
                ok = False
            if any(getattr(result, name) != value for name, value in carried.items()):
                ok = False
            previous = result
        kept.append(ok)
    print(f"\nfollow-ups keeping context: {sum(kept)} of {len(FOLLOW_UPS)}")
    assert all(kept), kept
