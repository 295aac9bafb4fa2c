"""Reading a message: the shop's one normalise, and what chat adds to it."""

from __future__ import annotations

import pytest

from shop.assistant.language import aliases, read_words

# The assistant tests' shared fixtures clear the (database) cache.
pytestmark = pytest.mark.django_db


def test_a_message_reads_prices_sizes_and_possessives_as_the_rules_expect():
    message = "Under ₹1,500 for my sister's wedding — Size 9.5, Café-style!"
    assert read_words(message) == "under rs 1500 for my sister wedding size 9_5 cafe style"


def test_a_catalog_phrase_is_found_by_its_forms_but_a_plural_only_word_stays_plural():
    assert aliases("bath robe") >= {"bath robe", "bath robes", "bathrobe", "bathrobes"}
    assert "scarf" in aliases("scarves") and "tie" in aliases("ties")
    assert aliases("shorts") == {"shorts"}  # "short" is no item
    assert aliases("track pants") == {"track pants", "trackpants"}
