from __future__ import annotations

from shop.orders.tests.payfake import razorpay  # noqa: F401 (the fixture)
