from __future__ import annotations

import uuid

from shop.cart.models import Cart
from shop.cart.services import cart_create, cart_line_add
from shop.orders.services import CheckoutDetails

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
