"""Recommendation blocks on the real catalog subset (and orders placed through checkout)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from shop.assistant.selectors import complementary_types
from shop.cart.tests.factories import product_make
from shop.catalog.models import Product, ProductVariant
from shop.orders.models import Order, OrderStatus
from shop.orders.popularity import popularity_refresh
from shop.orders.tests.helpers import order_placed
from shop.recommendations import selectors

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _priced():
    # The subset has no style records, so no prices: a product without one cannot be
    # bought, and is never recommended.
    Product.objects.filter(price__isnull=True).update(price=Decimal("999.00"))


def _with_a_look() -> tuple[Product, list[Product]]:
    for product in Product.objects.for_display().order_by("id"):
        look = selectors.complete_the_look(product=product)
        if len(look) >= 2:
            return product, look
    raise AssertionError("no product of the subset completes a look")


def test_complete_the_look_fills_other_types_for_the_same_gender_in_colours_that_go():
    product, look = _with_a_look()
    types = complementary_types(
        category=product.category,
        gender=(product.gender, "Unisex") if product.gender not in ("", "Unisex") else (),
    )
    assert product not in look
    assert [p.category.name for p in look] == [
        t for t in types if t in {p.category.name for p in look}
    ]
    assert len({p.category_id for p in look}) == len(look)  # one of each type
    assert product.category_id not in {p.category_id for p in look}
    for piece in look:
        assert piece.gender in (product.gender, "Unisex") or product.gender in ("", "Unisex")
        assert selectors.colours_go_together(product.base_colour, piece.base_colour)


def test_a_product_that_cannot_be_bought_is_never_recommended():
    product, look = _with_a_look()
    ProductVariant.objects.filter(product=look[0]).update(stock=0)  # sold out
    Product.objects.filter(pk=look[1].pk).update(is_active=False)
    unpriced = selectors.complete_the_look(product=product)
    assert look[0] not in unpriced and look[1] not in unpriced
    Product.objects.filter(pk__in=[p.pk for p in unpriced]).update(price=None)
    assert not set(selectors.complete_the_look(product=product)) & set(unpriced)


def test_colours_a_stylist_would_not_pair_are_kept_apart():
    assert selectors.colours_go_together("Navy Blue", "Red")  # a neutral goes with all
    assert selectors.colours_go_together("Blue", "Beige")  # a pairing
    assert selectors.colours_go_together("Green", "Green")
    assert not selectors.colours_go_together("Red", "Green")
    assert not selectors.colours_go_together("Pink", "Orange")


def test_bought_together_counts_shared_orders_and_leaves_out_cancelled_ones():
    kurta, often, once, cancelled = (product_make(name=n) for n in ("A", "B", "C", "D"))
    order_placed(kurta, often)
    order_placed(kurta, often)
    order_placed(kurta, once)
    Order.objects.filter(pk=order_placed(kurta, cancelled).pk).update(status=OrderStatus.CANCELLED)
    assert selectors.bought_together(product_ids=[kurta.pk]) == [often, once]
    # From the other side, and for a cart holding two of them.
    assert selectors.bought_together(product_ids=[often.pk]) == [kurta]
    assert selectors.bought_together(product_ids=[kurta.pk, often.pk]) == [once]


def test_without_orders_the_page_offers_look_alikes_instead_of_bought_together():
    product, _ = _with_a_look()
    blocks = {b.key: b for b in selectors.product_recommendations(product=product, viewed=[])}
    assert "bought_together" not in blocks
    assert (
        blocks["similar"].title == "You may also like" and product not in blocks["similar"].products
    )
    assert "recently_viewed" not in blocks and "trending" not in blocks  # nothing to show


def test_recently_viewed_keeps_the_order_given_without_the_product_shown():
    first, second, third = Product.objects.order_by("id")[:3]
    viewed = [first.pk, third.pk, second.pk]
    assert selectors.recently_viewed(viewed=viewed) == [first, third, second]
    blocks = {b.key: b for b in selectors.product_recommendations(product=first, viewed=viewed)}
    assert blocks["recently_viewed"].products == [third, second]
    Product.objects.filter(pk=third.pk).update(is_active=False)
    assert selectors.recently_viewed(viewed=viewed) == [first, second]


def test_trending_is_units_sold_in_the_window():
    top, second, old = (product_make(name=n) for n in ("Top", "Second", "Old"))
    order_placed(top, quantity=3)
    order_placed(second, quantity=2)
    stale = order_placed(old, quantity=9)
    Order.objects.filter(pk=stale.pk).update(created_at=timezone.now() - timedelta(days=40))
    popularity_refresh()  # the hourly task that trending reads
    assert selectors.trending() == [top, second]
    assert selectors.trending(exclude=[top.pk]) == [second]
