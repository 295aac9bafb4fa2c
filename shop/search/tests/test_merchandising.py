"""Merchandising rules: what fires, and what pins, hides, boosts and buries do to the results
page, category pages, the API's search and the assistant's."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.test import Client
from django.utils import timezone

from shop.catalog.models import Category, Product
from shop.search import merchandising, selectors
from shop.search.filters import ProductFilters
from shop.search.merchandising import Placed, rules_firing
from shop.search.models import MerchandisingRule
from shop.search.results import results_page

pytestmark = pytest.mark.django_db

Rule = MerchandisingRule
WORD = "leather"  # several keyword matches in the test catalog, and no filter word


def _ids(filters: ProductFilters) -> list[int]:
    return [p.pk for p in results_page(filters=filters, page_size=1000).page.object_list]


def _counts(filters: ProductFilters, facet: str) -> dict[str, int]:
    found = next(f for f in results_page(filters=filters).facets if f.name == facet)
    return {v.value: v.count for v in found.values}


@pytest.fixture
def category() -> Category:
    return (
        Category.objects.annotate(n=Count("products")).filter(n__gte=4).order_by("-n", "id").first()
    )


@pytest.fixture
def page_of(category) -> ProductFilters:
    return ProductFilters(category=(category.slug,))


@pytest.fixture
def keyword_only(search_floors) -> list[int]:
    """Only the keyword channel vouches (no vector score passes): WORD's matches, in order."""
    search_floors(text=2.0, image=2.0)
    ranked = _ids(ProductFilters(q=WORD))
    assert len(ranked) >= 2
    return ranked


def _outsider(ranked: list[int]) -> Product:
    """A product the search does not find (below the floor, no keyword match)."""
    return Product.objects.exclude(pk__in=ranked).order_by("id").first()


# --- what fires ---------------------------------------------------------------------------


@pytest.mark.parametrize("words", ["sneakers", "sneaker", "Sneakers!", "snekers", "the sneakers"])
def test_a_rule_for_words_fires_for_their_plural_typos_and_spelling(words):
    rule = Rule(pk=1, query="sneakers", action=Rule.HIDE)
    assert rules_firing([rule], words=words, categories=()) == [rule]


def test_a_rule_for_words_fires_only_on_those_words_unless_it_says_contains():
    rule = Rule(pk=1, query="sneakers", action=Rule.HIDE)
    assert rules_firing([rule], words="leather sneakers", categories=()) == []
    assert rules_firing([rule], words="shirts", categories=()) == []
    assert rules_firing([rule], words="", categories=()) == []
    rule.match = Rule.CONTAINS
    assert rules_firing([rule], words="leather sneakers", categories=()) == [rule]


def test_a_synonym_fires_the_rule_for_what_it_means(category):
    from shop.search.models import Synonym

    Synonym.objects.create(term="zorblet", targets=[category.name])
    rule = Rule(pk=1, query=category.name, action=Rule.HIDE)
    assert rules_firing([rule], words="zorblets", categories=()) == [rule]


def test_an_article_type_rule_fires_on_its_pages_by_slug_or_name(category):
    rule = Rule(pk=1, category=category, action=Rule.HIDE)
    assert rules_firing([rule], words="", categories=(category.slug,)) == [rule]
    assert rules_firing([rule], words="red", categories=(category.name,)) == [rule]
    assert rules_firing([rule], words="", categories=()) == []
    both = Rule(pk=2, query="red", category=category, action=Rule.HIDE)
    assert rules_firing([both], words="red", categories=()) == []


def test_rules_fire_only_enabled_and_inside_their_window(category, page_of):
    product = category.products.order_by("id").first()
    now = timezone.now()
    for window in (
        {"enabled": False},
        {"starts_at": now + timedelta(hours=1)},
        {"ends_at": now - timedelta(hours=1)},
    ):
        rule = Rule.objects.create(category=category, action=Rule.HIDE, product=product, **window)
        assert product.pk in _ids(page_of)
        rule.delete()
    Rule.objects.create(
        category=category,
        action=Rule.HIDE,
        product=product,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=1),
    )
    assert product.pk not in _ids(page_of)


# --- what they do ------------------------------------------------------------------------


def test_a_pin_puts_a_product_at_its_position_on_a_category_page(category, page_of):
    before = _ids(page_of)
    Rule.objects.create(category=category, action=Rule.PIN, product_id=before[-1], position=2)
    assert _ids(page_of) == [before[0], before[-1], *before[1:-1]]


def test_a_pinned_product_shows_in_a_search_though_the_floor_dropped_it(keyword_only):
    outsider = _outsider(keyword_only)
    Rule.objects.create(query=WORD, action=Rule.PIN, product=outsider, position=2)
    shown = _ids(ProductFilters(q=WORD))
    assert shown == [keyword_only[0], outsider.pk, *keyword_only[1:]]
    # Facets count what is shown: the pinned product's article type counts it.
    counts = _counts(ProductFilters(q=WORD), "category")
    assert sum(counts.values()) == len(shown)


def test_a_pin_shows_for_words_nothing_else_matches(search_floors):
    search_floors(text=2.0, image=2.0)
    assert _ids(ProductFilters(q="qzxv")) == []
    pinned = Product.objects.order_by("id").first()
    Rule.objects.create(query="qzxv", action=Rule.PIN, product=pinned, position=1)
    assert _ids(ProductFilters(q="qzxv")) == [pinned.pk]


def test_words_nothing_matches_ask_no_ranking_when_nothing_is_pinned(search_floors, monkeypatch):
    from shop.search.merchandising import placing

    search_floors(text=2.0, image=2.0)
    calls = []
    read = placing.ids_matching
    monkeypatch.setattr(
        placing, "ids_matching", lambda *args, **kwargs: calls.append(1) or read(*args, **kwargs)
    )
    page = results_page(filters=ProductFilters(q="qzxv"))
    assert page.total == 0 and calls == []
    assert _ids(ProductFilters(q=WORD)) and calls, "words that match are ranked"


def test_a_pin_past_the_end_closes_the_list_and_the_shoppers_filters_still_hold(keyword_only):
    outsider = _outsider(keyword_only)
    Rule.objects.create(query=WORD, action=Rule.PIN, product=outsider, position=99)
    assert _ids(ProductFilters(q=WORD)) == [*keyword_only, outsider.pk]
    other_gender = Product.objects.exclude(gender=outsider.gender).exclude(gender="").first()
    narrowed = ProductFilters(q=WORD, gender=(other_gender.gender,))
    assert outsider.pk not in _ids(narrowed)


def test_a_hidden_product_never_shows_and_is_not_counted(category, page_of):
    product = category.products.order_by("id").first()
    total = len(_ids(page_of))
    Rule.objects.create(category=category, action=Rule.HIDE, product=product)
    Rule.objects.create(category=category, action=Rule.PIN, product=product, position=1)
    assert product.pk not in _ids(page_of)
    assert _counts(page_of, "category")[category.slug] == total - 1


def test_a_boost_lifts_matching_products_and_keeps_the_order_among_them(category, page_of):
    before = _ids(page_of)
    colour = Product.objects.get(pk=before[-1]).base_colour
    lifted = [pk for pk in before if Product.objects.get(pk=pk).base_colour == colour]
    assert len(lifted) < len(before)
    Rule.objects.create(
        category=category, action=Rule.BOOST, filters={"colour": colour}, weight=Decimal(1)
    )
    assert _ids(page_of) == lifted + [pk for pk in before if pk not in lifted]


def test_a_bury_sinks_matching_products_but_above_sold_out_ones(keyword_only):
    first = Product.objects.get(pk=keyword_only[0])
    Rule.objects.create(
        query=WORD,
        action=Rule.BURY,
        filters={"category": first.category.name},
        weight=Decimal(1),
    )
    buried = [
        pk for pk in keyword_only if Product.objects.get(pk=pk).category_id == first.category_id
    ]
    rest = [pk for pk in keyword_only if pk not in buried]
    assert _ids(ProductFilters(q=WORD)) == rest + buried
    sold_out = Product.objects.get(pk=rest[0]) if rest else None
    if sold_out is not None:
        sold_out.variants.update(stock=0)
        assert _ids(ProductFilters(q=WORD)) == rest[1:] + buried + [sold_out.pk]


def test_a_weight_below_one_moves_a_product_part_of_the_way(keyword_only):
    last = Product.objects.get(pk=keyword_only[-1])
    boosted = set(
        Product.objects.filter(pk__in=keyword_only, base_colour=last.base_colour).values_list(
            "id", flat=True
        )
    )
    Rule.objects.create(
        query=WORD, action=Rule.BOOST, filters={"colour": last.base_colour}, weight=Decimal("0.5")
    )
    # Relevance runs from 1 (first) to 1/n (last); the boost adds 0.5 to it.
    n = len(keyword_only)
    key = {
        pk: Decimal(n - i) / n + (Decimal("0.5") if pk in boosted else 0)
        for i, pk in enumerate(keyword_only)
    }
    expected = sorted(keyword_only, key=lambda pk: (-key[pk], keyword_only.index(pk)))
    assert _ids(ProductFilters(q=WORD)) == expected
    assert expected.index(last.pk) < n - 1 or len(boosted) == n


def test_an_explicit_sort_keeps_the_shoppers_order_but_not_hidden_products(category, page_of):
    products = list(category.products.order_by("id"))
    Rule.objects.create(category=category, action=Rule.PIN, product=products[0], position=1)
    Rule.objects.create(category=category, action=Rule.HIDE, product=products[1])
    by_name = _ids(ProductFilters(category=(category.slug,), sort="name"))
    expected = list(
        category.products.exclude(pk=products[1].pk)
        .order_by("name", "id")
        .values_list("id", flat=True)
    )
    assert by_name == expected


def test_pins_that_collide_go_by_specificity_then_age(category, keyword_only):
    outsiders = list(Product.objects.exclude(pk__in=keyword_only).order_by("id")[:3])
    Rule.objects.create(query=WORD, action=Rule.PIN, product=outsiders[0], position=1)
    Rule.objects.create(query=WORD, action=Rule.PIN, product=outsiders[1], position=1)
    assert _ids(ProductFilters(q=WORD))[:2] == [outsiders[0].pk, outsiders[1].pk]
    older, newer, specific = (
        Rule(pk=1, query=WORD, action=Rule.PIN, product=outsiders[0], position=1),
        Rule(pk=2, query=WORD, action=Rule.PIN, product=outsiders[1], position=1),
        Rule(
            pk=3, query=WORD, category=category, action=Rule.PIN, product=outsiders[2], position=1
        ),
    )
    plan = merchandising.plan_for(
        words=WORD, categories=(category.slug,), rules=[older, newer, specific]
    )
    assert plan.pins == [(1, outsiders[2].pk), (1, outsiders[0].pk), (1, outsiders[1].pk)]
    # A product pinned twice keeps the winning rule's position.
    again = Rule(pk=4, query=WORD, action=Rule.PIN, product=outsiders[2], position=5)
    plan = merchandising.plan_for(words=WORD, categories=(category.slug,), rules=[again, specific])
    assert plan.pins == [(1, outsiders[2].pk)]


def test_the_api_search_and_the_assistant_obey_the_rules(client: Client, keyword_only):
    outsider = _outsider(keyword_only)
    Rule.objects.create(query=WORD, action=Rule.PIN, product=outsider, position=1)
    Rule.objects.create(query=WORD, action=Rule.HIDE, product_id=keyword_only[0])
    expected = [outsider.pk, *keyword_only[1:]]
    found = client.post("/api/search/", {"q": WORD, "k": 50}, content_type="application/json")
    assert [hit["id"] for hit in found.json()["results"]] == expected
    assert [hit.product.pk for hit in selectors.product_search(text=WORD, k=50).hits] == expected


def test_placed_ids_put_pins_at_their_positions_and_page_lazily():
    placed = Placed([10, 11, 12, 13], [(1, 1), (3, 2), (3, 3), (50, 4)])
    assert list(placed) == [1, 10, 2, 3, 11, 12, 13, 4]
    assert len(placed) == 8 and placed[2:5] == [2, 3, 11] and placed[7] == 4


# --- validation (the admin and the API share it) ------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"action": Rule.HIDE}, "query"),
        ({"query": "x", "action": Rule.PIN, "position": 1}, "product"),
        ({"query": "x", "action": Rule.BOOST, "filters": {"brand": ["P"]}}, "weight"),
        ({"query": "x", "action": Rule.BOOST, "weight": 1, "filters": {"size": "M"}}, "filters"),
        ({"query": "x", "action": Rule.BURY, "weight": 1, "filters": {"colour": "Zz"}}, "filters"),
        (
            {"query": "x", "action": Rule.BURY, "weight": 1, "filters": {"price_max": "a"}},
            "filters",
        ),
    ],
)
def test_a_rule_that_cannot_work_names_the_field(fields, field):
    with pytest.raises(ValidationError) as error:
        merchandising.rule_validate(Rule(**fields))
    assert field in error.value.message_dict


def test_the_active_rules_are_read_again_after_any_change_however_written(category):
    from shop.search.merchandising.triggers import rules_active

    product = Product.objects.order_by("id").first()
    rule = Rule.objects.create(query="zorbo", action=Rule.HIDE, product=product)
    assert rule.pk in [r.pk for r in rules_active()]
    # Bulk updates (the admin's enable/disable actions) set no updated_at.
    Rule.objects.filter(pk=rule.pk).update(enabled=False)
    assert rule.pk not in [r.pk for r in rules_active()]
    Rule.objects.filter(pk=rule.pk).update(
        enabled=True, ends_at=timezone.now() - timedelta(minutes=1)
    )
    assert rule.pk not in [r.pk for r in rules_active()]
    Rule.objects.filter(pk=rule.pk).update(ends_at=None, query="zorba")
    assert [r.query for r in rules_active() if r.pk == rule.pk] == ["zorba"]
    # The article type a rule names is read with it.
    Rule.objects.filter(pk=rule.pk).update(category=category)
    Category.objects.filter(pk=category.pk).update(name="Renamed Type")
    assert [r.category.name for r in rules_active() if r.pk == rule.pk] == ["Renamed Type"]
    Rule.objects.filter(pk=rule.pk).delete()
    assert rule.pk not in [r.pk for r in rules_active()]
