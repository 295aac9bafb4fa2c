"""An order's e-mails to the shopper: the confirmation and "on its way", each sent once
(the task engine sends them; shop/orders/tasks.py)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from shop.inputs import one_line
from shop.orders.models import Order, OrderStatus

logger = logging.getLogger(__name__)


def order_confirmation_send(*, order_id: int) -> bool:
    """E-mail the order confirmation once; returns whether it was sent now."""
    order = Order.objects.filter(pk=order_id, confirmation_sent_at=None).first()
    if order is None:
        return False
    lines = list(order.lines.all())
    # The shopper's own words are quoted ("> "), one line each: whatever they typed
    # cannot read like a message from the shop.
    address = [
        order.name,
        order.line1,
        order.line2,
        f"{order.city}, {order.state} {order.postcode}",
    ]
    context = {"lines": lines, "quoted": [one_line(a) for a in address if a]}
    _order_mail(
        order,
        subject=f"Your Threadline order {order.number}",
        template="orders/email/confirmation.txt",
        context=context,
        sent_field="confirmation_sent_at",
    )
    return True


def order_status_url() -> str:
    """The order status page, absolute (e-mails are written by workers, not requests)."""
    return settings.SHOP_BASE_URL.rstrip("/") + reverse("orders:status")


def order_shipped_send(*, order_id: int) -> bool:
    """E-mail "your order is on its way" once; returns whether it was sent now."""
    order = Order.objects.filter(
        pk=order_id, status=OrderStatus.SHIPPED, shipped_notice_sent_at=None
    ).first()
    if order is None:
        return False
    _order_mail(
        order,
        subject=f"Your Threadline order {order.number} is on its way",
        template="orders/email/shipped.txt",
        context={"lines": list(order.lines.all())},
        sent_field="shipped_notice_sent_at",
    )
    return True


def _order_mail(
    order: Order, *, subject: str, template: str, context: dict, sent_field: str
) -> None:
    """Send one of an order's plain-text e-mails (with the status page's link) and
    stamp ``sent_field``, so a retried job sends it once."""
    context = {**context, "order": order, "status_url": order_status_url()}
    send_mail(
        subject=subject,
        message=render_to_string(template, context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[order.email],
    )
    Order.objects.filter(pk=order.pk).update(**{sent_field: timezone.now()})
    logger.info("Order e-mail %s sent for %s", template, order.number)
