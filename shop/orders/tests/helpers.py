from __future__ import annotations

import dataclasses
import itertools
import threading
import uuid
from collections import Counter
from collections.abc import Callable

from django.db import connection

from shop.cart.models import Cart
from shop.cart.services import cart_create, cart_line_add
from shop.orders.exceptions import OrderError
from shop.orders.models import Order
from shop.orders.services import CheckoutDetails, order_place

DETAILS = CheckoutDetails(
    email="asha@example.com",
    name="Asha Rao",
    line1="12 MG Road",
    line2="Flat 4B",
    city="Bengaluru",
    state="Karnataka",
    postcode="560001",
    phone="+919876543210",
)


def cart_with(*items: tuple[object, str, int]) -> Cart:
    """A cart holding (product, size, quantity) items."""
    cart = cart_create()
    for product, size, quantity in items:
        cart_line_add(
            cart=cart,
            product_id=product.pk,
            variant_id=product.variants.get(size=size).pk,
            quantity=quantity,
        )
    return cart


def token() -> uuid.UUID:
    return uuid.uuid4()


CHECKOUT_FORM = {
    "email": "asha@example.com",
    "name": "Asha Rao",
    "line1": "12 MG Road",
    "line2": "",
    "city": "Bengaluru",
    "state": "Karnataka",
    "postcode": "560001",
    "phone": "98765 43210",
    "delivery_method": "standard",
    "payment_method": "cod",
}


def checkout_race(
    cart_ids: list[int],
    *,
    same_shopper: bool = False,
    refusal: Callable[[str], str] = lambda message: message,
) -> Counter:
    """Every cart checks out at the same moment, each thread on its own connection.

    Each cart is a different shopper (e-mail and phone) unless ``same_shopper``.
    Returns a count of outcomes: "accepted", "refused: " + ``refusal(message)``, or
    "error: ..." for anything else (a deadlock, a 500), which fails a test.
    """
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
            outcome = "refused: " + refusal(error.message)
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


_shoppers = itertools.count(1)


def order_placed(*products: object, quantity: int = 1) -> Order:
    """A cash-on-delivery order of ``quantity`` of size M of each product, placed by a
    shopper of its own (open cash orders are capped per e-mail and phone)."""
    n = next(_shoppers)
    return order_place(
        cart_id=cart_with(*((product, "M", quantity) for product in products)).pk,
        details=dataclasses.replace(
            DETAILS, email=f"placed{n}@example.com", phone=f"+9197000{n:05d}"
        ),
        checkout_token=token(),
    )
