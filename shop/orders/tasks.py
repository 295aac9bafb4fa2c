"""Orders' background tasks (procrastinate; see shop/jobs for the engine)."""

from __future__ import annotations

from procrastinate import RetryStrategy
from procrastinate.contrib.django import app


@app.task(queue="default", retry=RetryStrategy(max_attempts=8, exponential_wait=3))
def send_order_confirmation(order_id: int) -> str:
    """E-mail an order's confirmation; idempotent (sent at most once per order)."""
    from shop.orders.services import order_confirmation_send

    sent = order_confirmation_send(order_id=order_id)
    return "sent" if sent else "already sent"
