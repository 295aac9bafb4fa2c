"""Wishlist alerts: back in stock and price drops, each change told once."""

from __future__ import annotations

import re
from decimal import Decimal
from urllib.parse import urlparse

import pytest
from django.urls import reverse
from procrastinate.contrib.django.models import ProcrastinateJob

from shop.accounts.alerts import wishlist_alerts_send
from shop.accounts.models import AlertPreference, WishlistItem
from shop.accounts.tests.conftest import shopper_make
from shop.accounts.wishlist import wishlist_add
from shop.cart.tests.factories import product_make

pytestmark = pytest.mark.django_db


def _queued_alerts() -> list[dict]:
    jobs = ProcrastinateJob.objects.filter(
        task_name="shop.jobs.tasks.send_email", queueing_lock__startswith="wishlist-alert:"
    ).order_by("id")
    return [job.args for job in jobs]


def _save(user, product, size: str | None = None) -> None:
    variant = product.variants.get(size=size).pk if size else None
    wishlist_add(user=user, session={}, product_id=product.pk, variant_id=variant)


def test_a_saved_size_back_in_stock_is_told_once(shopper) -> None:
    product = product_make(stock=0)
    _save(shopper, product, "M")
    assert wishlist_alerts_send().emails == 0
    product.variants.filter(size="M").update(stock=3)
    summary = wishlist_alerts_send()
    assert (summary.emails, summary.back_in_stock) == (1, 1)
    [email] = _queued_alerts()
    assert email["to"] == ["meera@example.com"]
    assert f"Back in stock: {product.name} (size M)" in email["body"]
    assert wishlist_alerts_send().emails == 0  # the same change is not told again
    assert len(_queued_alerts()) == 1


def test_another_size_back_in_stock_says_nothing_about_the_saved_size(shopper) -> None:
    product = product_make(stock=0)
    _save(shopper, product, "M")
    product.variants.filter(size="L").update(stock=3)
    assert wishlist_alerts_send().emails == 0


def test_a_price_drop_is_told_once_and_a_rise_is_not_told(shopper) -> None:
    product = product_make(price="1299.00", stock=5)
    _save(shopper, product)
    product.price = Decimal("1499.00")
    product.save()
    assert wishlist_alerts_send().emails == 0
    product.price = Decimal("999.00")
    product.save()
    summary = wishlist_alerts_send()
    assert (summary.emails, summary.price_drops) == (1, 1)
    assert "now ₹999 (was ₹1,499)" in _queued_alerts()[0]["body"]
    assert wishlist_alerts_send().emails == 0


def test_one_email_per_shopper_lists_every_change(shopper) -> None:
    first, second = product_make(stock=0), product_make(name="Test Cotton Shirt", price="800")
    _save(shopper, first)
    _save(shopper, second)
    first.variants.update(stock=2)
    second.price = Decimal("700.00")
    second.save()
    wishlist_alerts_send()
    [email] = _queued_alerts()
    assert "Back in stock" in email["body"] and "Price drop" in email["body"]


def test_the_unsubscribe_link_asks_then_stops_the_alerts(client, shopper) -> None:
    product = product_make(stock=0)
    _save(shopper, product)
    product.variants.update(stock=1)
    wishlist_alerts_send()
    link = re.search(r"https?://\S+/unsubscribe/\S+/", _queued_alerts()[0]["body"]).group(0)
    path = urlparse(link).path
    assert client.get(path).status_code == 200  # a mail scanner's GET changes nothing
    assert not AlertPreference.objects.exists()
    assert client.post(path).status_code == 200
    assert not AlertPreference.objects.get(user=shopper).wishlist_alerts
    product.variants.update(stock=0)
    wishlist_alerts_send()
    product.variants.update(stock=1)
    assert wishlist_alerts_send().shoppers == 0


def test_a_forged_unsubscribe_link_is_not_found(client, shopper) -> None:
    url = reverse("accounts:alerts_unsubscribe", args=[f"{shopper.pk}:forged"])
    assert client.post(url).status_code == 404


def test_alerts_go_only_to_shoppers_with_saved_items(shopper) -> None:
    shopper_make("kiran@example.com")
    product = product_make(stock=5)
    WishlistItem.objects.create(user=shopper, product=product, price_seen=product.price)
    assert wishlist_alerts_send().shoppers == 1


def test_the_periodic_task_runs_the_alerts_and_reports_what_it_did(shopper) -> None:
    from procrastinate.contrib.django import app

    from shop.accounts.tasks import wishlist_alerts

    [periodic] = [
        p
        for (name, _), p in app.periodic_registry.periodic_tasks.items()
        if name == "shop.accounts.tasks.wishlist_alerts"
    ]
    assert periodic.cron == "*/30 * * * *"
    product = product_make(stock=0)
    _save(shopper, product)
    product.variants.update(stock=1)
    assert "E-mails queued: 1" in wishlist_alerts(timestamp=0)
