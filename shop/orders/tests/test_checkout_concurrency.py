"""Many shoppers check out the last units at once, against the real PostgreSQL."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection

from shop.cart.tests.factories import product_make, variant_of
from shop.catalog.models import Product, ProductVariant
from shop.orders.models import Order, OrderLine
from shop.orders.services import order_place
from shop.orders.tests.helpers import DETAILS, cart_with, checkout_race, token

pytestmark = pytest.mark.django_db(transaction=True)


def _race(cart_ids: list[int], *, same_shopper: bool = False) -> Counter:
    # A refusal for want of stock is one outcome, whatever the units it names.
    return checkout_race(
        cart_ids,
        same_shopper=same_shopper,
        refusal=lambda message: "stock" if "stock" in message else message,
    )


def test_concurrent_checkouts_sell_exactly_the_units_in_stock():
    attempted, available = 24, 5
    product = product_make(stock=available)
    carts = [cart_with((product, "M", 1)) for _ in range(attempted)]

    outcomes = _race([cart.pk for cart in carts])

    stock_left = variant_of(product, "M").stock
    print(
        f"\nconcurrent checkout: attempted={attempted} accepted={outcomes['accepted']} "
        f"refused={outcomes['refused: stock']} stock_left={stock_left} outcomes={dict(outcomes)}"
    )
    assert outcomes == Counter({"accepted": available, "refused: stock": attempted - available})
    assert stock_left == 0
    assert Order.objects.count() == available
    assert OrderLine.objects.count() == available
    assert not Order.objects.filter(lines=None).exists()


def test_shoppers_selling_out_two_products_in_crossed_order_never_deadlock():
    """Each last unit sold locks its product (to keep ``in_stock``): the sizes' id order
    crosses the products' here, so only taking the products first, in id order, keeps
    two checkouts from waiting on each other."""
    for _ in range(8):  # a race: a deadlock shows in about half of the rounds without it
        first = product_make(sizes=("S",), stock=1)
        second = product_make(name="Trousers", sizes=("S", "M"), stock=1)
        ProductVariant.objects.create(
            product=first, size="M", sku=f"{first.external_id}-M", stock=1
        )
        carts = [
            cart_with((first, "S", 1), (second, "S", 1)),
            cart_with((second, "M", 1), (first, "M", 1)),
        ]

        outcomes = _race([cart.pk for cart in carts])

        assert outcomes == Counter({"accepted": 2})
        flags = Product.objects.filter(pk__in=[first.pk, second.pk]).values_list(
            "in_stock", flat=True
        )
        assert list(flags) == [False, False]


def test_carts_locking_the_same_sizes_in_any_order_never_deadlock():
    shirts, trousers = product_make(stock=6), product_make(name="Trousers", stock=6)
    carts = []
    for i in range(8):
        first, second = (shirts, trousers) if i % 2 else (trousers, shirts)
        carts.append(cart_with((first, "M", 1), (second, "M", 1)))

    outcomes = _race([cart.pk for cart in carts])

    assert outcomes == Counter({"accepted": 6, "refused: stock": 2})
    assert variant_of(shirts, "M").stock == variant_of(trousers, "M").stock == 0
    assert OrderLine.objects.count() == 12


def test_one_shoppers_concurrent_cash_on_delivery_orders_stop_at_the_cap(settings):
    settings.SHOP_COD_OPEN_ORDERS_MAX = 3
    product = product_make(stock=20)
    carts = [cart_with((product, "M", 1)) for _ in range(8)]

    outcomes = _race([cart.pk for cart in carts], same_shopper=True)

    assert outcomes["accepted"] == 3, outcomes
    assert sum(n for outcome, n in outcomes.items() if "waiting for confirmation" in outcome) == 5
    assert variant_of(product, "M").stock == 17


def test_a_double_submitted_checkout_makes_one_order():
    product = product_make(stock=3)
    cart = cart_with((product, "M", 2))
    once = token()
    numbers: list[str] = []
    start = threading.Barrier(4)

    def submit() -> None:
        try:
            start.wait()
            numbers.append(
                order_place(cart_id=cart.pk, details=DETAILS, checkout_token=once).number
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(numbers) == 4 and len(set(numbers)) == 1
    assert Order.objects.count() == 1
    assert variant_of(product, "M").stock == 1
