"""Payment methods behind one small interface.

A provider plugs in as a class with ``code``, ``name`` and ``authorise(order)`` and an
entry in PAYMENT_METHODS. ``authorise`` runs inside the checkout transaction, after the
order and its lines exist and stock is taken: a refusal rolls all of it back. A method
paid online answers ``pending``: the order waits for the payment with its stock held
(shop/orders/payment_services.py takes it from there).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.db import connection
from django.db.models import Q

from shop.orders import gateway
from shop.orders.exceptions import OrderError
from shop.orders.models import Order, OrderStatus


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
        """Refused while the e-mail or phone already has SHOP_PAYMENT_OPEN_ORDERS_MAX
        orders awaiting payment: each holds stock until it expires, so without a cap
        anyone could hold the shop's stock by never paying.

        Runs after the order row is written; checkouts of one e-mail or phone take their
        advisory locks (in one order) before counting, so two at once cannot both pass.
        """
        with connection.cursor() as cursor:
            for key in sorted(
                {f"online:email:{order.email.lower()}", f"online:phone:{order.phone}"}
            ):
                cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [key])
        waiting = (
            Order.objects.filter(status=OrderStatus.AWAITING_PAYMENT, payment_method=self.code)
            .filter(Q(email__iexact=order.email) | Q(phone=order.phone))
            .exclude(pk=order.pk)
            .count()
        )
        if waiting >= settings.SHOP_PAYMENT_OPEN_ORDERS_MAX:
            return PaymentResult(
                approved=False,
                message=f"This e-mail address or phone number already has {waiting} orders "
                "waiting to be paid. Please pay one of them, or wait until they expire.",
            )
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
