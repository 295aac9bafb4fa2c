"""Orders' background tasks (procrastinate; see shop/jobs for the engine)."""

from __future__ import annotations

from procrastinate import RetryStrategy
from procrastinate.contrib.django import app

from shop.orders.gateway import GatewayError


@app.task(queue="default", retry=RetryStrategy(max_attempts=8, exponential_wait=3))
def send_order_confirmation(order_id: int) -> str:
    """E-mail an order's confirmation; idempotent (sent at most once per order)."""
    from shop.orders.emails import order_confirmation_send

    sent = order_confirmation_send(order_id=order_id)
    return "sent" if sent else "already sent"


@app.task(queue="default", retry=RetryStrategy(max_attempts=8, exponential_wait=3))
def send_order_shipped(order_id: int) -> str:
    """E-mail that an order has shipped; idempotent (sent at most once per order)."""
    from shop.orders.emails import order_shipped_send

    return (
        "sent"
        if order_shipped_send(order_id=order_id)
        else "not sent (sent already, or not shipped)"
    )


@app.task(
    queue="default",
    retry=RetryStrategy(max_attempts=8, exponential_wait=5, retry_exceptions={GatewayError}),
)
def refund_payment(order_id: int) -> str:
    """Refund a cancelled order's online payment; idempotent (once per payment)."""
    from shop.orders.payment_services import payment_refund

    return payment_refund(order_id=order_id)


@app.periodic(cron="* * * * *")
@app.task(queue="default", queueing_lock="expire_payments")
def expire_payments(timestamp: int) -> str:
    """Cancel orders awaiting payment past SHOP_PAYMENT_TIMEOUT_MINUTES (stock back)."""
    from shop.orders.payment_services import payments_expire

    return "\n".join(payments_expire().lines())


@app.periodic(cron="41 * * * *")
@app.task(queue="default", queueing_lock="popularity_refresh")
def popularity_refresh(timestamp: int) -> str:
    """Hourly: units sold in the window, for search's popularity signal."""
    from shop.orders.popularity import popularity_refresh as refresh

    return "\n".join(refresh().lines())
