"""Outfits are outfits: every seeded occasion, for each gender, is clothing first (a top
and a bottom, or a one-piece), then footwear, then accessories; a type ruled out gives
its slot to the next type it may hold."""

from __future__ import annotations

import pytest

from shop.assistant.lexicon import catalog_vocabulary
from shop.assistant.models import Occasion, OutfitTemplate
from shop.assistant.outfits import BOTTOM, ONE_PIECE, TOP, outfit_types

pytestmark = pytest.mark.django_db

ORDER = {"apparel": 0, "footwear": 1}


def _check(types, vocabulary):
    groups = [vocabulary.group_of(n) for n in types]
    assert any(g in ONE_PIECE for g in groups) or (
        any(g in TOP for g in groups) and any(g in BOTTOM for g in groups)
    ), types
    ranks = [ORDER.get(vocabulary.master_of(n), 2) for n in types]
    assert ranks == sorted(ranks), types
    assert ranks[0] == 0


@pytest.mark.parametrize("gender", ["Men", "Women", ""])
def test_every_occasion_is_clothing_first_for_every_gender(full_vocabulary, gender):
    checked = 0
    for occasion in full_vocabulary.occasions:
        types = outfit_types(occasion, gender=gender, vocabulary=full_vocabulary)
        if types is None:
            assert not gender, occasion.slug  # only "anyone" may need asking
            continue
        _check(types, full_vocabulary)
        checked += 1
    assert checked >= 3


def test_a_ruled_out_type_gives_its_slot_to_the_next(full_vocabulary):
    wedding = full_vocabulary.occasion("wedding")

    types = outfit_types(wedding, gender="Women", vocabulary=full_vocabulary, excluded={"Heels"})

    assert "Heels" not in types and "Flats" in types


def test_in_this_catalog_a_mans_wedding_outfit_has_clothing_in_stock():
    # The subset has no men's kurtas: the slot takes a shirt, and trousers or jeans follow.
    vocabulary = catalog_vocabulary()
    types = outfit_types(vocabulary.occasion("wedding"), gender="Men", vocabulary=vocabulary)

    _check(types, vocabulary)
    assert "Kurtas" not in types


def test_the_admin_says_what_a_slot_may_hold():
    help_text = OutfitTemplate._meta.get_field("article_types").help_text

    assert '"|"' in help_text and "clothing first" in help_text
    assert Occasion.objects.get(slug="wedding").outfits.get(gender="Men").note
    assert "jewellery" not in Occasion.objects.get(slug="wedding").outfits.get(gender="Men").note
