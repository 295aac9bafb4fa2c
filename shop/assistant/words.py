"""The assistant's own words, read once from ``words.toml`` beside this module: shopper
words for catalog words, things the shop does not sell, and the words that steer a
request (genders, owned items, outfits, negations, follow-ups).

Article types, brands and colours come from the database (``lexicon``); the
merchant's synonyms (``Synonym``, read by search too) are merged over the shopper
words here.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

_WORDS = tomllib.loads(Path(__file__).with_name("words.toml").read_text(encoding="utf-8"))

# Shopper phrase -> (how to name it if we don't carry it, catalog words it means).
SHOPPER_WORDS: dict[str, tuple[str, tuple[str, ...]]] = {
    phrase: (entry.get("label", phrase), tuple(entry["means"]))
    for phrase, entry in _WORDS["shopper_words"].items()
}
# Not sold: phrase -> (how to name it, what we have instead in catalog words, or "").
NOT_SOLD: dict[str, tuple[str, str]] = {
    phrase: (entry.get("label", phrase), entry.get("instead", ""))
    for phrase, entry in _WORDS["not_sold"].items()
}
ALTERNATIVES: dict[str, str] = _WORDS["alternatives"]
# Word -> the catalog gender it names.
GENDER_WORDS: dict[str, str] = {
    word: gender for gender, words in _WORDS["gender_words"].items() for word in words
}
GENDER_FILTERS: dict[str, tuple[str, ...]] = {
    gender: tuple(genders) for gender, genders in _WORDS["gender_filters"].items()
}
OUTFIT_GENDER: dict[str, str] = _WORDS["outfit_gender"]
COLOUR_ALIASES: dict[str, str] = _WORDS["colour_aliases"]

PLURAL_ONLY = frozenset(_WORDS["plural_only"])
RANKING_WORDS = frozenset(_WORDS["ranking_words"])
DESCRIBING_WORDS = frozenset(_WORDS["describing_words"])
GENERIC_HEADS = frozenset(_WORDS["generic_heads"])
GENERIC_GROUPS = frozenset(_WORDS["generic_groups"])
NEGATIONS = frozenset(_WORDS["negations"])
BUT_LEADS = frozenset(_WORDS["but_leads"])
NEGATION_PAIRS = frozenset(_WORDS["negation_pairs"])
NEGATION_FILLERS = frozenset(_WORDS["negation_fillers"])
SHADE_WORDS = frozenset(_WORDS["shade_words"])
SHADE_QUALIFIERS = frozenset(_WORDS["shade_qualifiers"])
SUIT_VERB_NEXT = frozenset(_WORDS["suit_verb_next"])
DRESS_VERB_PREVIOUS = frozenset(_WORDS["dress_verb_previous"])
DRESS_VERB_NEXT = frozenset(_WORDS["dress_verb_next"])
TOP_NOT_AN_ITEM_NEXT = frozenset(_WORDS["top_not_an_item_next"])
OWNED_LEADS = frozenset(_WORDS["owned_leads"])
OUTFIT_WORDS = frozenset(_WORDS["outfit_words"])
OUTFIT_PHRASES: tuple[str, ...] = tuple(_WORDS["outfit_phrases"])
MORE_PHRASES: tuple[str, ...] = tuple(_WORDS["more_phrases"])
CHEAPER_WORDS = frozenset(_WORDS["cheaper_words"])
FORGET_WORDS = frozenset(_WORDS["forget_words"])
ANY_COLOUR: tuple[str, ...] = tuple(_WORDS["any_colour"])
NO_BUDGET: tuple[str, ...] = tuple(_WORDS["no_budget"])
COMMON_WORDS = frozenset(_WORDS["common_words"])
REQUEST_WORDS = frozenset(_WORDS["request_words"])
