from __future__ import annotations

from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "shop.orders"
    label = "orders"
    verbose_name = "Orders"

    def ready(self) -> None:
        from django.core import checks

        from shop.orders.invoices import seller_state_check

        checks.register(seller_state_check)
