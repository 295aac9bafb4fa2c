from __future__ import annotations

import pytest

from shop.catalog.models import Brand, Category
from shop.search.models import Synonym
from shop.search.vocabulary import (
    Term,
    Vocabulary,
    get_vocabulary,
    normalise,
    plural,
    singular,
)

VALUES = [
    ("article_type", "Tshirts"),
    ("article_type", "Casual Shoes"),
    ("article_type", "Sports Shoes"),
    ("article_type", "Bath Robe"),
    ("article_type", "Sunglasses"),
    ("article_type", "Dresses"),
    ("article_type", "Watches"),
    ("brand", "Puma"),
    ("brand", "Nike"),
    ("colour", "Navy Blue"),
    ("colour", "Blue"),
    ("colour", "Black"),
    ("colour", "Grey"),
    ("gender", "Men"),
    ("gender", "Women"),
    ("usage", "Casual"),
    ("season", "Summer"),
]
SYNONYMS = [
    ("sneakers", ["Sports Shoes", "Casual Shoes"], False),
    ("tee", ["Tshirts"], False),
    ("shades", ["Sunglasses"], False),
    ("navy", ["Navy Blue"], False),
    ("gray", ["Grey"], True),
    ("spacesuit", ["Spacesuits"], False),
]


@pytest.fixture
def vocabulary() -> Vocabulary:
    return Vocabulary(values=VALUES, synonyms=SYNONYMS, words=["Puma Men Polo Neck Tshirt"])


def _found(terms: list[Term]) -> list[tuple[str, str, str]]:
    return [(t.kind, t.value, t.phrase) for t in terms]


def test_normalise_folds_case_accents_and_punctuation():
    assert normalise("  Men's  T-Shirt,   Café!! ") == "mens t shirt cafe"


def test_a_multi_word_phrase_wins_over_its_words(vocabulary):
    terms = vocabulary.find_terms("black casual shoes for men")
    assert _found(terms) == [
        ("colour", "Black", "black"),
        ("article_type", "Casual Shoes", "casual shoes"),
        ("gender", "Men", "men"),
    ]
    assert [(t.start, t.end) for t in terms] == [(0, 1), (1, 3), (4, 5)]
    assert all(t.confidence == 1.0 and not t.corrected for t in terms)


def test_navy_blue_is_one_colour_not_two(vocabulary):
    assert _found(vocabulary.find_terms("navy blue dresses")) == [
        ("colour", "Navy Blue", "navy blue"),
        ("article_type", "Dresses", "dresses"),
    ]


def test_plurals_singulars_and_run_together_forms_match(vocabulary):
    assert [t.value for t in vocabulary.find_terms("a tshirt")] == ["Tshirts"]
    assert [t.value for t in vocabulary.find_terms("t shirt")] == ["Tshirts"]
    assert [t.value for t in vocabulary.find_terms("dress")] == ["Dresses"]
    assert [t.value for t in vocabulary.find_terms("bathrobe")] == ["Bath Robe"]
    assert [t.value for t in vocabulary.find_terms("mens watch")] == ["Men", "Watches"]


def test_a_tie_and_a_scarf_are_the_catalogs_ties_and_scarves():
    # The shop's one singular: "ties" is "tie" (not "ty"), "scarves" is "scarf".
    vocabulary = Vocabulary(values=[("article_type", "Ties"), ("article_type", "Scarves")])
    assert [t.value for t in vocabulary.find_terms("a silk tie")] == ["Ties"]
    assert [t.value for t in vocabulary.find_terms("wool scarf")] == ["Scarves"]
    assert (singular("ties"), singular("scarves"), singular("dresses")) == ("tie", "scarf", "dress")
    assert (plural("tie"), plural("watch"), plural("party")) == ("ties", "watches", "parties")


def test_a_one_way_synonym_means_each_of_its_targets(vocabulary):
    terms = vocabulary.find_terms("white sneakers")
    assert _found(terms) == [
        ("article_type", "Casual Shoes", "sneakers"),
        ("article_type", "Sports Shoes", "sneakers"),
    ]
    assert {(t.start, t.end) for t in terms} == {(1, 2)}
    assert [t.value for t in vocabulary.find_terms("tees")] == ["Tshirts"]
    assert [t.value for t in vocabulary.find_terms("navy")] == ["Navy Blue"]


def test_a_one_way_synonym_does_not_work_backwards():
    vocabulary = Vocabulary(
        values=[("article_type", "Sunglasses")], synonyms=[("shades", ["Sunglasses"], False)]
    )
    assert [t.phrase for t in vocabulary.find_terms("sunglasses")] == ["sunglasses"]
    # "shades" is not a catalog value, so nothing makes "sunglasses" mean anything else.
    assert len(vocabulary.find_terms("sunglasses")) == 1


def test_a_two_way_synonym_is_interchangeable(vocabulary):
    assert [t.value for t in vocabulary.find_terms("gray")] == ["Grey"]
    two_way = Vocabulary(
        values=[("article_type", "Tshirts")], synonyms=[("tshirts", ["tee shirt"], True)]
    )
    assert [t.value for t in two_way.find_terms("tee shirt")] == ["Tshirts"]


def test_a_synonym_for_something_not_carried_matches_nothing(vocabulary):
    assert vocabulary.find_terms("spacesuit") == []


def test_typos_are_corrected_with_lower_confidence(vocabulary):
    [term] = vocabulary.find_terms("tshrit")
    assert (term.kind, term.value, term.phrase, term.corrected) == (
        "article_type",
        "Tshirts",
        "tshrit",
        True,
    )
    assert 0.5 < term.confidence < 1.0
    assert [t.value for t in vocabulary.find_terms("casul shoes")] == ["Casual Shoes"]
    assert [t.value for t in vocabulary.find_terms("snekers")] == ["Casual Shoes", "Sports Shoes"]


def test_short_and_ordinary_words_are_never_typo_corrected(vocabulary):
    assert vocabulary.find_terms("nik") == []  # three letters: too short to guess
    assert vocabulary.find_terms("like this") == []
    assert vocabulary.find_terms("polo neck") == []  # product-name words are real words


def test_nonsense_matches_nothing_and_has_no_suggestion(vocabulary):
    assert vocabulary.find_terms("spaceship zzzz") == []
    assert vocabulary.suggest("spaceship") is None
    assert vocabulary.suggest("zzzz") is None


def test_suggest_corrects_the_whole_query(vocabulary):
    assert vocabulary.suggest("tshrit") == "tshirts"
    assert vocabulary.suggest("blakc casul shoes") == "black casual shoes"
    assert vocabulary.suggest("pumma polo nekc") == "puma polo neck"
    assert vocabulary.suggest("black tshirts") is None


def test_spans_do_not_overlap(vocabulary):
    terms = vocabulary.find_terms("men navy blue casual shoes summer puma")
    spans = sorted({(t.start, t.end) for t in terms})
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:], strict=False))
    assert [t.value for t in terms] == [
        "Men",
        "Navy Blue",
        "Casual Shoes",
        "Summer",
        "Puma",
    ]


@pytest.mark.django_db
def test_the_database_vocabulary_holds_the_catalog_and_the_seeded_synonyms():
    vocabulary = get_vocabulary()
    assert set(vocabulary.article_types()) == set(Category.objects.values_list("name", flat=True))
    assert Synonym.objects.filter(term="sneakers").exists()  # seeded by a data migration
    shoes = {t.value for t in vocabulary.find_terms("sneakers") if t.kind == "article_type"}
    assert shoes == {"Sports Shoes", "Casual Shoes"} & set(vocabulary.article_types())


@pytest.mark.django_db
def test_the_vocabulary_is_rebuilt_when_a_synonym_brand_or_category_changes():
    first = get_vocabulary()
    assert get_vocabulary() is first
    assert first.find_terms("zorblax") == []

    Category.objects.create(name="Zorblax Capes", slug="zorblax-capes")
    Synonym.objects.create(term="zorblax", targets=["Zorblax Capes"])
    assert [t.value for t in get_vocabulary().find_terms("zorblax")] == ["Zorblax Capes"]

    Synonym.objects.filter(term="zorblax").update(targets=["Nothing"])
    assert get_vocabulary().find_terms("zorblax") == []

    Brand.objects.create(name="Quuxwear", slug="quuxwear")
    assert [(t.kind, t.value) for t in get_vocabulary().find_terms("quuxwear")] == [
        ("brand", "Quuxwear")
    ]
