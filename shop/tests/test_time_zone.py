"""Times are shown in the shop's zone (SHOP_TIME_ZONE, Asia/Kolkata by default)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from shop.settings import envtimezone


def test_the_shop_shows_indian_time_unless_told_otherwise(monkeypatch):
    monkeypatch.delenv("SHOP_TIME_ZONE", raising=False)
    assert envtimezone("SHOP_TIME_ZONE", "Asia/Kolkata") == "Asia/Kolkata"
    assert settings.TIME_ZONE == "Asia/Kolkata"
    assert settings.USE_TZ  # stored in UTC, shown in the zone


def test_a_zone_is_read_from_the_environment_and_a_wrong_one_stops_start_up(monkeypatch):
    monkeypatch.setenv("SHOP_TIME_ZONE", "Europe/London")
    assert envtimezone("SHOP_TIME_ZONE", "Asia/Kolkata") == "Europe/London"
    monkeypatch.setenv("SHOP_TIME_ZONE", "India")
    with pytest.raises(ImproperlyConfigured, match="SHOP_TIME_ZONE must be an IANA time zone"):
        envtimezone("SHOP_TIME_ZONE", "Asia/Kolkata")


@pytest.mark.django_db
def test_the_order_status_page_shows_the_time_in_the_shops_zone(client):
    from shop.cart.tests.factories import product_make
    from shop.orders.models import Order
    from shop.orders.services import order_place
    from shop.orders.tests.helpers import DETAILS, cart_with, token

    order = order_place(
        cart_id=cart_with((product_make(), "M", 1)).pk, details=DETAILS, checkout_token=token()
    )
    Order.objects.filter(pk=order.pk).update(created_at=datetime(2026, 3, 1, 18, 45, tzinfo=UTC))
    content = client.post(
        "/orders/status/", {"number": order.number, "email": DETAILS.email}
    ).content.decode()
    # 18:45 UTC is a quarter past midnight the next day in India.
    assert "2 Mar 2026, 00:15 IST" in content
