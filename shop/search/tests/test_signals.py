"""Business signals in the ranking: popularity (units sold lately) and newness."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from shop.cart.tests.factories import product_make
from shop.catalog.models import Product
from shop.orders.models import Order, OrderStatus
from shop.orders.popularity import popularity_refresh
from shop.orders.tests.helpers import order_placed
from shop.search.filters import ordering
from shop.search.merchandising import Plan, apply, plan_for
from shop.search.models import ProductPopularity

pytestmark = pytest.mark.django_db


def _sold(product: Product, score: str) -> None:
    ProductPopularity.objects.update_or_create(
        product=product,
        defaults={"units_sold": 1, "score": Decimal(score), "refreshed_at": timezone.now()},
    )


def _ids(placed) -> list[int]:  # noqa: ANN001
    return list(placed[: len(placed)])


@pytest.fixture
def three() -> list[Product]:
    products = [product_make(name=f"Kurta {n}") for n in "ABC"]
    # Imported together, long ago: no newness between them.
    Product.objects.filter(pk__in=[p.pk for p in products]).update(
        created_at=timezone.now() - timedelta(days=400)
    )
    return products


def test_with_both_weights_at_zero_the_ranking_is_relevance_alone(settings, three):
    settings.SHOP_SEARCH_POPULARITY_WEIGHT = 0
    settings.SHOP_SEARCH_NEWNESS_WEIGHT = 0
    a, b, c = three
    _sold(c, "1")
    Product.objects.filter(pk=b.pk).update(created_at=timezone.now())
    ranked = [a.pk, b.pk, c.pk]
    queryset = Product.objects.filter(pk__in=ranked)
    assert _ids(apply(queryset, plan=Plan(), ranked=ranked)) == ranked
    # A page with no words: as its sort orders it, signals or not.
    browsing = list(queryset.order_by(*ordering("relevance")).values_list("id", flat=True))
    assert _ids(apply(queryset, plan=Plan())) == browsing


def test_a_best_seller_moves_up_a_search_and_a_category_page(settings, three):
    settings.SHOP_SEARCH_POPULARITY_WEIGHT = 0.5
    settings.SHOP_SEARCH_NEWNESS_WEIGHT = 0
    a, b, c = three
    _sold(c, "1")
    _sold(b, "0.2")
    ranked = [a.pk, b.pk, c.pk]
    queryset = Product.objects.filter(pk__in=ranked)
    # Relevance 1, 2/3, 1/3 of the list; c gains half the list (past b), b a tenth.
    assert _ids(apply(queryset, plan=Plan(), ranked=ranked)) == [a.pk, c.pk, b.pk]
    assert _ids(apply(queryset, plan=Plan())) == [c.pk, b.pk, a.pk]
    # A sort the shopper chose is never moved.
    assert _ids(apply(queryset, plan=Plan(), sort="price_asc")) == ranked


def test_a_new_product_moves_up_and_the_lift_fades_with_age(settings, three):
    settings.SHOP_SEARCH_POPULARITY_WEIGHT = 0
    settings.SHOP_SEARCH_NEWNESS_WEIGHT = 1
    settings.SHOP_NEWNESS_DAYS = 90
    a, b, c = three
    now = timezone.now()
    Product.objects.filter(pk=c.pk).update(created_at=now - timedelta(days=1))
    Product.objects.filter(pk=b.pk).update(created_at=now - timedelta(days=60))
    queryset = Product.objects.filter(pk__in=[a.pk, b.pk, c.pk])
    assert _ids(apply(queryset, plan=Plan())) == [c.pk, b.pk, a.pk]
    ranked = [a.pk, b.pk, c.pk]
    # c: 1/3 + ~0.99; b: 2/3 + ~0.33; a: 1 + 0.
    assert _ids(apply(queryset, plan=Plan(), ranked=ranked)) == [c.pk, a.pk, b.pk]


def test_a_refresh_of_the_sales_shows_at_once_in_a_process_that_ranked_before(settings, three):
    settings.SHOP_SEARCH_POPULARITY_WEIGHT = 0.5
    settings.SHOP_SEARCH_NEWNESS_WEIGHT = 0
    a, b, c = three
    ranked = [a.pk, b.pk, c.pk]
    queryset = Product.objects.filter(pk__in=ranked)
    _sold(b, "0.2")
    assert _ids(apply(queryset, plan=Plan(), ranked=ranked)) == ranked  # kept in memory

    _sold(c, "1")  # the hourly refresh, or an order in a test
    assert _ids(apply(queryset, plan=Plan(), ranked=ranked)) == [a.pk, c.pk, b.pk]
    # A search's plan carries the sales' fingerprint, read with the rules'.
    ProductPopularity.objects.all().delete()
    _sold(b, "1")
    planned = plan_for(words="", categories=())
    assert planned.sales_fingerprint is not None
    assert _ids(apply(queryset, plan=planned, ranked=ranked)) == [b.pk, a.pk, c.pk]
    _sold(b, "0.2")
    _sold(c, "1")
    # Writers stamp the rows (the refresh rewrites them all with its time).
    ProductPopularity.objects.filter(product=c).update(
        score=Decimal("0.1"), refreshed_at=timezone.now()
    )
    assert _ids(apply(queryset, plan=Plan(), ranked=ranked)) == ranked
    ProductPopularity.objects.all().delete()
    _sold(a, "1")
    assert _ids(apply(queryset, plan=Plan(), ranked=[c.pk, b.pk, a.pk])) == [c.pk, a.pk, b.pk]


def test_sold_out_still_sinks_below_any_best_seller(settings, three):
    settings.SHOP_SEARCH_POPULARITY_WEIGHT = 0.5
    a, b, c = three
    _sold(c, "1")
    c.variants.update(stock=0)
    queryset = Product.objects.filter(pk__in=[a.pk, b.pk, c.pk])
    assert _ids(apply(queryset, plan=Plan(), ranked=[c.pk, a.pk, b.pk]))[-1] == c.pk


def test_popularity_is_units_sold_in_the_window_over_the_best_seller():
    best, half, cancelled, old = (product_make(name=n) for n in ("Best", "Half", "Off", "Old"))
    order_placed(best, quantity=4)
    order_placed(half, quantity=2)
    Order.objects.filter(pk=order_placed(cancelled, quantity=9).pk).update(
        status=OrderStatus.CANCELLED
    )
    Order.objects.filter(pk=order_placed(old, quantity=9).pk).update(
        created_at=timezone.now() - timedelta(days=45)
    )
    summary = popularity_refresh()
    scores = dict(ProductPopularity.objects.values_list("product_id", "score"))
    assert scores == {best.pk: Decimal("1.0000"), half.pk: Decimal("0.5000")}
    assert summary.best_units == 4 and summary.products == 2
    # Refreshing replaces: a product that stops selling loses its row.
    Order.objects.filter(lines__variant__product=half).update(status=OrderStatus.CANCELLED)
    popularity_refresh()
    assert set(ProductPopularity.objects.values_list("product_id", flat=True)) == {best.pk}


def test_the_heads_bounds_are_each_place_and_each_best_sellers_own_score():
    from shop.search.merchandising.movers import HeadReader
    from shop.search.merchandising.signals import Signals

    products = [product_make(name=f"Kurta {n}") for n in range(8)]
    Product.objects.filter(pk__in=[p.pk for p in products]).update(
        created_at=timezone.now() - timedelta(days=400)
    )
    scores = {1: "0.9", 3: "0.2", 4: "0.6", 6: "0.6"}
    for place, score in scores.items():
        _sold(products[place], score)
    order = [p.pk for p in products]
    signals = Signals(popularity=Decimal("0.5"), newness=Decimal(0), now=timezone.now())
    reader = HeadReader(order, ruled=[], sold_out=Decimal(0), signals=signals, using="default")

    n = len(order)
    for place in range(n + 1):
        # The most one that did not sell scores there or further down: its place's.
        assert reader.upper(place) == n - place
    # Those that sold, with the most each can score: (n - its place) + n * its lift.
    assert list(reader.climbers()) == sorted(
        ((n - i + n * Decimal("0.5") * Decimal(score), i) for i, score in scores.items()),
        reverse=True,
    )
    assert reader(order) == {order[i]: Decimal("0.5") * Decimal(s) for i, s in scores.items()}


def test_boosted_products_climb_with_their_boost_and_buried_ones_do_not():
    from shop.search.merchandising.movers import HeadReader
    from shop.search.merchandising.signals import Signals

    # Matched by the boost, but not in the ranking (pinned, say); its id sorts first.
    outsider = product_make(name="Pinned elsewhere").pk
    products = [product_make(name=f"Kurta {n}") for n in range(6)]
    Product.objects.filter(pk__in=[p.pk for p in products]).update(
        created_at=timezone.now() - timedelta(days=400)
    )
    _sold(products[2], "0.4")
    order = [p.pk for p in products]
    ruled = [
        (Decimal("0.5"), [order[2], order[5], outsider]),  # a boost
        (Decimal("-0.25"), [order[1], order[5]]),  # a bury
    ]
    signals = Signals(popularity=Decimal("0.5"), newness=Decimal(0), now=timezone.now())
    reader = HeadReader(order, ruled=ruled, sold_out=Decimal(0), signals=signals, using="default")

    n = len(order)
    # Place 2 sold and is boosted: 0.2 + 0.5; place 5 is boosted and buried: 0.25;
    # place 1 is only buried: no climber, and nothing above ``upper``.
    assert list(reader.climbers()) == [
        (n - 2 + n * Decimal("0.7"), 2),
        (n - 5 + n * Decimal("0.25"), 5),
    ]
    assert reader(order) == {
        order[1]: Decimal("-0.25"),
        order[2]: Decimal("0.7"),
        order[5]: Decimal("0.25"),
    }
    assert all(reader.upper(place) == n - place for place in range(n + 1))
