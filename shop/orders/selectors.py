from __future__ import annotations

from shop.orders.models import Order

# One answer for a wrong number and a wrong e-mail: the page must not tell which.
LOOKUP_FAILED = "We could not find an order with that number and e-mail address."


def order_lookup(*, number: str, email: str) -> Order | None:
    """The order with this number, if ``email`` is the one it was placed with."""
    number = number.strip().upper()
    if not number.startswith("TL-"):
        number = f"TL-{number}"
    return (
        Order.objects.filter(number=number, email__iexact=email.strip())
        .prefetch_related("lines")
        .first()
    )


def order_get(*, number: str) -> Order | None:
    return Order.objects.filter(number=number).prefetch_related("lines").first()
