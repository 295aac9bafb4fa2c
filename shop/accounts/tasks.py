"""Accounts' background tasks (procrastinate; see shop/jobs for the engine)."""

from __future__ import annotations

from procrastinate.contrib.django import app


@app.periodic(cron="*/30 * * * *")
@app.task(queue="default", queueing_lock="wishlist_alerts")
def wishlist_alerts(timestamp: int) -> str:
    """Back-in-stock and price-drop e-mails for saved items, each change told once."""
    from shop.accounts.alerts import wishlist_alerts_send

    return "\n".join(wishlist_alerts_send().lines())
