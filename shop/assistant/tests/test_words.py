"""The assistant's word lists (words.toml) can match what a shopper writes."""

from __future__ import annotations

import pytest

from shop.assistant import words as w
from shop.search.vocabulary import normalise

# The assistant tests' shared fixtures clear the (database) cache.
pytestmark = pytest.mark.django_db


# Keyed by the catalog's genders ("Men"), not by a shopper's words.
CATALOG_KEYED = {"GENDER_FILTERS", "OUTFIT_GENDER"}


def _list_words() -> list[tuple[str, str]]:
    """(list, word) for every word the rules compare with a shopper's tokens."""
    found = []
    for name in (n for n in dir(w) if not n.startswith("_")):
        value = getattr(w, name)
        if name.isupper() and isinstance(value, frozenset | tuple):
            found += [(name, word) for word in value]
        elif name.isupper() and isinstance(value, dict) and name not in CATALOG_KEYED:
            found += [(name, phrase) for phrase in value]
    found += [("SHOPPER_WORDS", m) for _label, means in w.SHOPPER_WORDS.values() for m in means]
    found += [("NOT_SOLD", instead) for _label, instead in w.NOT_SOLD.values() if instead]
    found += [("ALTERNATIVES", nearest) for nearest in w.ALTERNATIVES.values()]
    return found


def test_every_listed_word_is_written_as_a_shoppers_words_are_read():
    # "i'm" in a list never matches: a message reads "im".
    unreadable = [(name, word) for name, word in _list_words() if normalise(word) != word]
    assert unreadable == []
    assert len(_list_words()) > 1000


def test_the_word_lists_are_read_into_the_shapes_the_rules_use():
    assert w.SHOPPER_WORDS["kicks"] == ("sneakers", ("sports shoes", "casual shoes"))
    assert w.SHOPPER_WORDS["boots"] == ("boots", ("boots",))  # no label: the phrase
    assert w.NOT_SOLD["sofa"] == ("sofas", "")
    assert w.GENDER_WORDS["hubby"] == "Men" and w.GENDER_WORDS["ladki"] == "Women"
    assert w.GENDER_FILTERS["Unisex"] == ()
    assert "instead of" in w.NEGATION_PAIRS
