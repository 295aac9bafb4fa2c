"""Payment methods behind one small interface.

A provider plugs in as a class with ``code``, ``name`` and ``authorise(order)`` and an
entry in PAYMENT_METHODS. ``authorise`` runs inside the checkout transaction, after the
order and its lines exist and stock is taken: a refusal rolls all of it back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from shop.orders.exceptions import OrderError

if TYPE_CHECKING:
    from shop.orders.models import Order


@dataclass(frozen=True)
class PaymentResult:
    approved: bool
    message: str = ""
    reference: str = ""


class PaymentMethod(Protocol):
    code: str
    name: str
    description: str

    def authorise(self, order: Order) -> PaymentResult: ...


class CashOnDelivery:
    """The courier collects the total in cash: nothing to authorise before shipping."""

    code = "cod"
    name = "Cash on delivery"
    description = "Pay the courier in cash when your parcel arrives."

    def authorise(self, order: Order) -> PaymentResult:
        return PaymentResult(approved=True, message="Pay in cash on delivery.")


PAYMENT_METHODS: dict[str, PaymentMethod] = {method.code: method for method in (CashOnDelivery(),)}
DEFAULT_PAYMENT = CashOnDelivery.code


def payment_method_get(code: str) -> PaymentMethod:
    method = PAYMENT_METHODS.get(code)
    if method is None:
        raise OrderError("Choose a payment method we offer.")
    return method
