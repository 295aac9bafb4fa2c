"""Many checkouts race for a voucher's last uses, against the real PostgreSQL.

Like the stock race (shop/orders/tests/test_checkout_concurrency.py): threads, one
connection each, released by one barrier. The voucher row lock taken at checkout
(``cart_totals(lock_voucher=True)``) makes them count its uses one at a time.
"""

from __future__ import annotations

import dataclasses
import threading
from collections import Counter

import pytest
from django.db import connection

from shop.cart.models import Cart
from shop.cart.tests.factories import product_make
from shop.orders.exceptions import OrderError
from shop.orders.models import Order
from shop.orders.services import order_place
from shop.orders.tests.helpers import DETAILS, cart_with, token
from shop.promotions.models import VoucherUse
from shop.promotions.tests.factories import voucher_make

pytestmark = pytest.mark.django_db(transaction=True)


def _race(cart_ids: list[int], *, same_shopper: bool = False) -> Counter:
    outcomes: Counter = Counter()
    lock = threading.Lock()
    start = threading.Barrier(len(cart_ids))

    def shopper(cart_id: int) -> None:
        details = DETAILS
        if not same_shopper:
            email, phone = f"shopper{cart_id}@example.com", f"+9198{cart_id:08d}"
            details = dataclasses.replace(DETAILS, email=email, phone=phone)
        try:
            start.wait()
            order_place(cart_id=cart_id, details=details, checkout_token=token())
            outcome = "accepted"
        except OrderError as error:
            outcome = "refused: " + error.message.split(". ")[0]
        except Exception as error:  # anything else (a deadlock, a 500) fails the test
            outcome = f"error: {type(error).__name__}: {error}"
        finally:
            connection.close()
        with lock:
            outcomes[outcome] += 1

    threads = [threading.Thread(target=shopper, args=(cart_id,)) for cart_id in cart_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


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
