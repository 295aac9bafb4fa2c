"""Payment methods behind one small interface.

A provider plugs in as a class with ``code``, ``name`` and ``authorise(order)`` and an
entry in PAYMENT_METHODS. ``authorise`` runs inside the checkout transaction, after the
order and its lines exist and stock is taken: a refusal rolls all of it back. A method
paid online answers ``pending``: the order waits for the payment with its stock held
(shop/orders/payment_services.py takes it from there).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from shop.orders import gateway
from shop.orders.exceptions import OrderError

if TYPE_CHECKING:
    from shop.orders.models import Order


@dataclass(frozen=True)
class PaymentResult:
    approved: bool
    message: str = ""
    reference: str = ""
    # Approved to wait: the shopper pays next, and only a verified payment places the order.
    pending: bool = False


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


class Razorpay:
    """UPI, cards or netbanking on Razorpay's Checkout; paid once its signature verifies."""

    code = "razorpay"
    name = "Pay online"
    description = "UPI, cards or netbanking, through Razorpay."

    def authorise(self, order: Order) -> PaymentResult:
        return PaymentResult(approved=True, pending=True, message="Pay online to complete it.")


# Every method the shop knows (admin labels, old orders); payment_methods() says which
# are offered now.
PAYMENT_METHODS: dict[str, PaymentMethod] = {
    method.code: method for method in (CashOnDelivery(), Razorpay())
}
DEFAULT_PAYMENT = CashOnDelivery.code


def payment_methods() -> dict[str, PaymentMethod]:
    """The methods a shopper may choose now: online payment only with Razorpay's keys set."""
    return {
        code: method
        for code, method in PAYMENT_METHODS.items()
        if code != Razorpay.code or gateway.configured()
    }


def payment_method_get(code: str) -> PaymentMethod:
    method = payment_methods().get(code)
    if method is None:
        raise OrderError("Choose a payment method we offer.")
    return method
