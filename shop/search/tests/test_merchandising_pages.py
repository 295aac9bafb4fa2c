"""Every page of a merchandised ranking is the page of the full ordering, though only the
head that can reach it is read (``merchandising.head``)."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import Q
from django.test import override_settings
from django.utils import timezone

from shop.catalog.models import Brand, Category, Product, ProductVariant
from shop.catalog.stock import in_stock_q
from shop.search import merchandising
from shop.search.merchandising import Placed, head, placing
from shop.search.models import MerchandisingRule, ProductPopularity

pytestmark = pytest.mark.django_db

Rule = MerchandisingRule
COLOURS = ("Red", "Blue", "Green", "Black")


def _rules_and_stock(order: list[int], *, plan: merchandising.Plan) -> dict[int, Decimal]:
    """What the sold-out weight and the firing boosts and buries add to each product."""
    adjusted = dict.fromkeys(order, Decimal(0))
    buyable = set(
        ProductVariant.objects.filter(in_stock_q(), product_id__in=order).values_list(
            "product_id", flat=True
        )
    )
    for pk in order:
        if pk not in buyable:
            adjusted[pk] -= placing.sold_out_weight()
    for condition, weight in plan.weights:
        for pk in Product.objects.filter(condition, id__in=order).values_list("id", flat=True):
            adjusted[pk] += weight
    return adjusted


def _full(queryset, *, plan: merchandising.Plan, ranked: list[int], signals) -> Placed:  # noqa: ANN001
    """The ordering written out: every product that may show read and scored, then sorted
    (relevance (n - i) / n plus what rules, stock and signals add; ties on the ranking)."""
    allowed = set(queryset.values_list("id", flat=True))
    order = [pk for pk in ranked if pk in allowed and pk not in set(plan.pinned)]
    adjusted = _rules_and_stock(order, plan=plan)
    if signals:
        rows = Product.objects.filter(id__in=order).values_list(
            "id", "popularity__score", "created_at"
        )
        for pk, popularity, created_at in rows:
            adjusted[pk] += signals.value(popularity, created_at)
    n = len(order)
    place = {pk: i for i, pk in enumerate(order)}
    order.sort(key=lambda pk: (-(n - place[pk] + n * adjusted[pk]), place[pk]))
    return Placed(order, [pin for pin in plan.pins if pin[1] in allowed])


def _browsed(queryset, *, plan: merchandising.Plan, signals) -> Placed:  # noqa: ANN001
    """A page browsed under "Best match", written out: its order (priced, year, newest,
    id) is the ranking, moved as a search's is (``_full``)."""
    rows = queryset.values_list("id", "price", "year", "created_at")

    def key(row: tuple) -> tuple:
        pk, price, year, created_at = row
        return (price is None, -(year or 0), year is None, -created_at.timestamp(), -pk)

    ranked = [row[0] for row in sorted(rows, key=key)]
    return _full(queryset, plan=plan, ranked=ranked, signals=signals)


def _catalog(rng: random.Random, size: int) -> list[Product]:
    category = Category.objects.create(name="Head Kurtas", slug="head-kurtas")
    brands = [Brand.objects.create(name=f"Head {b}", slug=f"head-{b}") for b in "ABC"]
    now = timezone.now()
    products = []
    for i in range(size):
        product = Product.objects.create(
            external_id=f"head-{i}",
            name=f"Kurta {i}",
            category=category,
            brand=rng.choice(brands),
            base_colour=rng.choice(COLOURS),
            price=rng.choice([None, Decimal(rng.randrange(300, 3000))]),
            year=rng.choice([None, 2015, 2018, 2018]),
            is_active=rng.random() < 0.95,
        )
        for size_name in rng.sample(["S", "M", "L"], rng.randint(0, 3)):
            ProductVariant.objects.create(
                product=product,
                size=size_name,
                sku=f"head-{i}-{size_name}",
                stock=rng.choice([None, 0, 0, 3]),
                is_active=rng.random() < 0.9,
            )
        products.append(product)
    for product in products:
        Product.objects.filter(pk=product.pk).update(
            created_at=now - timedelta(days=rng.uniform(0, 120))
        )
        if rng.random() < 0.3:
            ProductPopularity.objects.create(
                product=product,
                units_sold=1,
                score=Decimal(rng.randrange(0, 10_001)) / 10_000,
                refreshed_at=now,
            )
    return products


def _rules(rng: random.Random, products: list[Product]) -> list[Rule]:
    rules = []
    for pk in range(1, rng.randint(0, 6) + 1):
        action = rng.choice([Rule.BOOST, Rule.BOOST, Rule.BURY, Rule.PIN, Rule.HIDE])
        rule = Rule(pk=pk, action=action, query="", weight=Decimal(0))
        if action in (Rule.BOOST, Rule.BURY):
            rule.weight = rng.choice([Decimal(w) for w in ("0.01", "0.1", "0.5", "1", "3")])
            rule.filters = rng.choice(
                [
                    {"colour": [rng.choice(COLOURS)]},
                    {"brand": ["Head A", "Head C"]},
                    {"price_max": 1000},
                ]
            )
        else:
            rule.product_id = rng.choice(products).pk
            rule.position = rng.randint(1, 30)
        rules.append(rule)
    return rules


def test_every_page_equals_the_full_ordering_on_random_catalogs_rules_and_weights(monkeypatch):
    rng = random.Random(1818)
    products = _catalog(rng, 90)
    ids = [p.pk for p in products]
    monkeypatch.setattr(head, "FIRST_CHUNK", 4)  # small chunks: walks stop early here too
    walks: list[head.HeadOrder] = []

    class Recorded(head.HeadOrder):
        def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
            super().__init__(*args, **kwargs)
            walks.append(self)

    monkeypatch.setattr(placing, "HeadOrder", Recorded)
    current = placing.Signals.current
    for scenario in range(80):
        weights = {
            "SHOP_SEARCH_SOLD_OUT_WEIGHT": rng.choice([0, 0.5, 1000, round(rng.uniform(0, 2), 2)]),
            "SHOP_SEARCH_POPULARITY_WEIGHT": rng.choice([0, 0.15, round(rng.uniform(0, 1), 2)]),
            "SHOP_SEARCH_NEWNESS_WEIGHT": rng.choice([0, 0.05, round(rng.uniform(0, 1), 2)]),
        }
        if scenario % 10 == 9:  # a product sells out, another comes back
            ProductVariant.objects.filter(product=rng.choice(products)).update(stock=0)
            ProductVariant.objects.filter(product=rng.choice(products)).update(stock=None)
        ranked = rng.sample(ids, rng.randint(0, len(ids)))
        plan = merchandising.plan_for(words="", categories=(), rules=_rules(rng, products))
        shown = plan.visible(Product.objects.browsable()).filter(
            plan.matched_or_pinned(Q(id__in=ranked))
        )
        if rng.random() < 0.3:
            shown = shown.filter(price__isnull=False)
        with override_settings(**weights):
            # One moment for both orderings: newness fades with every microsecond.
            signals = current()
            monkeypatch.setattr(
                placing.Signals, "current", classmethod(lambda _cls, fixed=signals: fixed)
            )
            browsed = list(_browsed(shown, plan=plan, signals=signals))
            placed = merchandising.apply(shown, plan=plan)
            assert (len(placed), list(placed[: len(placed)])) == (len(browsed), browsed), scenario
            expected = list(_full(shown, plan=plan, ranked=ranked, signals=signals))
            size = rng.choice([1, 3, 10, 24, 100])
            for start in range(0, min(len(expected), 12 * size) + 1, size):
                placed = merchandising.apply(shown, plan=plan, ranked=ranked)
                assert len(placed) == len(expected), scenario
                assert placed[start : start + size] == expected[start : start + size], (
                    scenario,
                    weights,
                    start,
                )
    # The walks compared above did stop before the end of their ranking.
    assert any(walk.read_count < len(walk) for walk in walks)
