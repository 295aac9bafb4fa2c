"""Checkouts issuing invoices at once take consecutive numbers: no gap, no repeat."""

from __future__ import annotations

import pytest

from shop.cart.tests.factories import product_make
from shop.orders.models import Invoice
from shop.orders.tests.helpers import cart_with, checkout_race

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_checkouts_number_their_invoices_without_gaps():
    # Untracked stock: nothing but the invoice sequence row makes these checkouts wait.
    products = [product_make(stock=None) for _ in range(10)]
    carts = [cart_with((product, "M", 1)) for product in products]

    outcomes = checkout_race([cart.pk for cart in carts])

    assert outcomes == {"accepted": 10}, outcomes
    numbers = sorted(
        int(n.rsplit("/", 1)[1]) for n in Invoice.objects.values_list("number", flat=True)
    )
    assert numbers == list(range(1, 11))
