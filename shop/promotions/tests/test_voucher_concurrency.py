"""Many checkouts race for a voucher's last uses, against the real PostgreSQL.

Like the stock race (shop/orders/tests/test_checkout_concurrency.py): threads, one
connection each, released by one barrier. The voucher row lock taken at checkout
(``cart_totals(lock_voucher=True)``) makes them count its uses one at a time.
"""

from __future__ import annotations

from collections import Counter

import pytest

from shop.cart.models import Cart
from shop.cart.tests.factories import product_make
from shop.orders.models import Order
from shop.orders.tests.helpers import cart_with, checkout_race
from shop.promotions.models import VoucherUse
from shop.promotions.tests.factories import voucher_make

pytestmark = pytest.mark.django_db(transaction=True)


def _race(cart_ids: list[int], *, same_shopper: bool = False) -> Counter:
    # A refusal is told by its first sentence (the voucher's reason).
    return checkout_race(
        cart_ids, same_shopper=same_shopper, refusal=lambda message: message.split(". ")[0]
    )


def _carts_with_code(count: int) -> list[int]:
    # Untracked stock: no variant row lock serialises these checkouts, only the voucher's.
    product = product_make(stock=None)
    carts = [cart_with((product, "M", 1)) for _ in range(count)]
    Cart.objects.filter(pk__in=[cart.pk for cart in carts]).update(voucher_code="LAST3")
    return [cart.pk for cart in carts]


def test_concurrent_checkouts_never_use_a_voucher_more_than_its_limit():
    attempted, limit = 16, 3
    voucher = voucher_make(code="LAST3", usage_limit=limit)

    outcomes = _race(_carts_with_code(attempted))

    print(f"\nvoucher race: attempted={attempted} limit={limit} outcomes={dict(outcomes)}")
    assert outcomes == Counter(
        {"accepted": limit, "refused: LAST3 has been used up": attempted - limit}
    )
    assert VoucherUse.objects.filter(voucher=voucher).count() == limit
    assert Order.objects.filter(voucher_code="LAST3").count() == limit


def test_one_shopper_checking_out_many_carts_at_once_uses_the_voucher_once():
    voucher = voucher_make(code="LAST3", per_customer_limit=1)

    outcomes = _race(_carts_with_code(6), same_shopper=True)

    assert outcomes["accepted"] == 1, outcomes
    assert outcomes["refused: You have already used LAST3"] == 5, outcomes
    assert VoucherUse.objects.filter(voucher=voucher).count() == 1
