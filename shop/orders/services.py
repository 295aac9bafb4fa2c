from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, connection, transaction
from django.db.models import Q

from shop.cart.delivery import delivery_method_get
from shop.cart.models import Cart, CartLine
from shop.cart.selectors import CartSummary, cart_item, cart_totals
from shop.catalog.stock import stock_give_back, stock_lock, stock_take
from shop.inputs import one_line
from shop.money import currency_code
from shop.orders.exceptions import OrderError
from shop.orders.invoices import invoice_issue
from shop.orders.models import (
    TRANSITIONS,
    Order,
    OrderLine,
    OrderStatus,
    Payment,
    PaymentStatus,
)
from shop.orders.payments import CashOnDelivery, payment_method_get
from shop.promotions.services import voucher_use_record, voucher_use_release
from shop.search import attribution

# No 0/O, 1/I/L: a number read out over the phone is not misheard.
NUMBER_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
NUMBER_PREFIX = "TL-"
NUMBER_LENGTH = 8
ALREADY_SUBMITTED = "This checkout was already submitted."
SEND_ORDER_CONFIRMATION = "shop.orders.tasks.send_order_confirmation"
SEND_ORDER_SHIPPED = "shop.orders.tasks.send_order_shipped"
REFUND_PAYMENT = "shop.orders.tasks.refund_payment"


def order_number_new() -> str:
    return NUMBER_PREFIX + "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(NUMBER_LENGTH))


@dataclass(frozen=True)
class CheckoutDetails:
    email: str
    name: str
    line1: str
    city: str
    state: str
    postcode: str
    phone: str
    line2: str = ""
    delivery_method: str = "standard"
    payment_method: str = "cod"


def _locked_summary(cart: Cart) -> CartSummary:
    """The cart priced now, with its tracked variants locked in id order (no deadlocks)."""
    lines = list(
        CartLine.objects.filter(cart=cart)
        .select_related("variant__product__brand")
        .order_by("variant_id")
    )
    locked = stock_lock(line.variant_id for line in lines)
    items = [cart_item(line=line, variant=locked.get(line.variant_id)) for line in lines]
    return CartSummary(cart_id=cart.pk, items=items)


def order_place(
    *,
    cart_id: int | None,
    details: CheckoutDetails,
    checkout_token: uuid.UUID,
    cart_fingerprint: str = "",
    user: AbstractBaseUser | None = None,
) -> Order:
    """Turn the cart into an order in one transaction, or change nothing.

    Tracked stock is locked, checked and decremented with the order; the same
    ``checkout_token`` again returns the order it already made (double submits).
    ``cart_fingerprint``, when given, must match the cart as priced now (a stale
    checkout page is refused rather than charging a total the shopper did not see).
    """
    delivery = delivery_method_get(details.delivery_method)
    payment = payment_method_get(details.payment_method)
    with transaction.atomic():
        # The cart's row lock serialises checkouts of one cart: a double submit
        # waits here, then finds the first one's order.
        cart = Cart.objects.select_for_update().filter(pk=cart_id).first() if cart_id else None
        existing = Order.objects.filter(checkout_token=checkout_token).first()
        if existing is not None:
            if _placed_by(existing, cart=cart, user=user):
                return existing
            raise OrderError(ALREADY_SUBMITTED, status=409)
        if cart is None:
            raise OrderError("Your cart is empty.")
        if payment.code == CashOnDelivery.code:
            _open_cod_orders_check(details)
        summary = _locked_summary(cart)
        if summary.is_empty:
            raise OrderError("Your cart is empty.")
        if summary.problems:
            raise OrderError(" ".join(summary.problems), status=409)

        # The voucher (shop.promotions) is priced by the cart's one totals function with
        # its row locked: its usage limits are counted by one checkout at a time.
        totals = cart_totals(
            summary=summary,
            delivery=delivery,
            voucher_code=cart.voucher_code,
            email=details.email,
            user=user,
            lock_voucher=True,
        )
        if totals.voucher_error:
            raise OrderError(
                f"{totals.voucher_error} Remove the code from your cart to order without it.",
                status=409,
            )
        if cart_fingerprint and cart_fingerprint != totals.fingerprint:
            raise OrderError(
                "Your cart changed since you opened checkout; please check the new total.",
                status=409,
            )
        order = _order_create(
            checkout_token=checkout_token,
            cart=cart,
            user=user,
            details=details,
            delivery_name=delivery.name,
            payment_method=payment.code,
            subtotal=totals.subtotal,
            voucher_code=totals.voucher.code.upper() if totals.voucher else "",
            discount=totals.discount,
            delivery_price=totals.delivery,
            total=totals.total,
        )
        OrderLine.objects.bulk_create(
            OrderLine(
                order=order,
                variant=item.variant,
                product_name=item.product.name,
                brand=item.product.brand.name if item.product.brand else "",
                size=item.variant.size,
                sku=item.variant.sku,
                unit_price=item.unit_price,
                quantity=item.quantity,
                line_total=item.line_total,
                discount=totals.line_discounts.get(item.line.pk, 0),
                stock_taken=item.variant.stock is not None,
            )
            for item in summary.items
        )
        # The searches that led here (search.attribution), committed with the order.
        attribution.search_order_record(
            cart_id=cart.pk,
            order_id=order.pk,
            lines=[
                (
                    item.product.pk,
                    item.quantity,
                    item.line_total - totals.line_discounts.get(item.line.pk, 0),
                )
                for item in summary.items
            ],
        )
        if totals.voucher is not None:
            voucher_use_record(
                voucher=totals.voucher, order_id=order.pk, email=details.email, user=user
            )
        for item in summary.items:
            if item.variant.stock is not None:
                stock_take(variant_id=item.variant.pk, quantity=item.quantity)

        result = payment.authorise(order)
        if not result.approved:
            raise OrderError(result.message or "The payment was refused.", status=402)
        if result.reference:
            order.payment_reference = result.reference
            order.save(update_fields=["payment_reference"])

        cart.lines.all().delete()
        Cart.objects.filter(pk=cart.pk).update(voucher_code="")
        if result.pending:
            _order_await_payment(order, provider=payment.code)
        else:
            # Queued in the order's own transaction (queued if and only if the order
            # commits); a worker sends it and retries a failed send, never the checkout.
            order_confirmation_queue(order_id=order.pk)
            # The GST invoice is issued with the placed order (its number commits with it).
            invoice_issue(order_id=order.pk)
    return order


def _order_await_payment(order: Order, *, provider: str) -> None:
    """Paid online: the order waits, stock held, for a verified payment
    (orders/payment_services.py), which places it and queues the confirmation."""
    order.status = OrderStatus.AWAITING_PAYMENT
    order.save(update_fields=["status", "updated_at"])
    Payment.objects.create(
        order=order, provider=provider, amount=order.total, currency=order.currency
    )


def _placed_by(order: Order, *, cart: Cart | None, user: AbstractBaseUser | None) -> bool:
    """Whether this cart, or this signed-in user, placed the order."""
    if cart is not None and order.cart_id == cart.pk:
        return True
    return user is not None and user.is_authenticated and order.user_id == user.pk


def _open_cod_orders_check(details: CheckoutDetails) -> None:
    """Refuse a cash-on-delivery order while the e-mail or the phone already has
    SHOP_COD_OPEN_ORDERS_MAX of them waiting for confirmation.

    Nothing is paid up front, so without a cap anyone could reserve the stock (and send
    the e-mails) of any number of orders. Checkouts of one e-mail or phone take their
    advisory locks (in one order) before counting: two at once cannot both pass.
    """
    with connection.cursor() as cursor:
        for key in sorted({f"cod:email:{details.email.lower()}", f"cod:phone:{details.phone}"}):
            cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [key])
    waiting = (
        Order.objects.filter(status=OrderStatus.PLACED, payment_method=CashOnDelivery.code)
        .filter(Q(email__iexact=details.email) | Q(phone=details.phone))
        .count()
    )
    if waiting >= settings.SHOP_COD_OPEN_ORDERS_MAX:
        raise OrderError(
            f"This e-mail address or phone number already has {waiting} cash-on-delivery "
            "orders waiting for confirmation. Please wait until we confirm them, or "
            "choose another payment method.",
            status=409,
        )


def _order_create(
    *, checkout_token: uuid.UUID, user: AbstractBaseUser | None, details: CheckoutDetails, **fields
) -> Order:
    values = {
        "checkout_token": checkout_token,
        "user": user if user is not None and user.is_authenticated else None,
        "email": details.email,
        "name": one_line(details.name),
        "line1": one_line(details.line1),
        "line2": one_line(details.line2),
        "city": one_line(details.city),
        "state": details.state,
        "postcode": details.postcode,
        "phone": details.phone,
        "delivery_method": details.delivery_method,
        "currency": currency_code(),
        **fields,
    }
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return Order.objects.create(number=order_number_new(), **values)
        except IntegrityError:
            if Order.objects.filter(checkout_token=checkout_token).exists():
                raise OrderError(ALREADY_SUBMITTED, status=409) from None
            # A number collision (31^8 numbers): draw again.
    raise OrderError("We could not number your order; please try again.", status=503)


def order_status_change(*, order_id: int, status: str) -> Order:
    """Move an order along the workflow; cancelling puts taken stock back, once."""
    with transaction.atomic():
        order = Order.objects.select_for_update().filter(pk=order_id).first()
        if order is None:
            raise OrderError("No such order.", status=404)
        if status == order.status:
            return order
        if status not in TRANSITIONS.get(order.status, ()):
            current, wanted = OrderStatus(order.status).label, _label(status)
            raise OrderError(f"An order that is {current.lower()} cannot become {wanted}.")
        if status == OrderStatus.CANCELLED:
            _stock_restore(order)
            _payment_refund_queue(order)
            voucher_use_release(order_id=order.pk)
        order.status = status
        order.save(update_fields=["status", "updated_at"])
        if status == OrderStatus.SHIPPED:
            # Queued with the change (queued if and only if it commits), sent by a worker.
            from procrastinate.contrib.django import app

            app.configure_task(SEND_ORDER_SHIPPED, allow_unknown=False).defer(order_id=order.pk)
    return order


def _label(status: str) -> str:
    try:
        return OrderStatus(status).label.lower()
    except ValueError:
        return repr(status)


def _payment_refund_queue(order: Order) -> None:
    """A paid online order cancelled: its refund is a task (Razorpay is called outside
    the order's lock, and retried), queued if and only if the cancellation commits."""
    if Payment.objects.filter(order=order, status=PaymentStatus.PAID).exists():
        payment_refund_queue(order_id=order.pk)


def payment_refund_queue(*, order_id: int) -> None:
    """Queue the refund of an order's online payment (shop/orders/tasks.py, by name)."""
    from procrastinate.contrib.django import app

    app.configure_task(REFUND_PAYMENT, allow_unknown=False).defer(order_id=order_id)


def _stock_restore(order: Order) -> None:
    lines = list(order.lines.filter(stock_taken=True, variant__isnull=False).order_by("variant_id"))
    ids = [line.variant_id for line in lines]
    # Same lock order as checkout; untracked-since variants get nothing back.
    tracked = stock_lock(ids)
    for line in lines:
        if line.variant_id in tracked:
            stock_give_back(variant_id=line.variant_id, quantity=line.quantity)
    order.lines.filter(stock_taken=True).update(stock_taken=False)


def order_confirmation_queue(*, order_id: int) -> None:
    """Queue the confirmation e-mail job for an order (the task engine sends it)."""
    from procrastinate.contrib.django import app

    # By name (shop/orders/tasks.py): the task module imports this one, not the reverse.
    app.configure_task(SEND_ORDER_CONFIRMATION, allow_unknown=False).defer(order_id=order_id)
