"""Wishlist alerts: an e-mail when a saved item is back in stock or its price drops.

Run by a periodic task (shop/accounts/tasks.py). Each item remembers what the shopper
last knew (``price_seen``, ``in_stock_seen``); one shopper's items are compared, moved
to the catalog's current values and the e-mail queued in one transaction, so a change
is told once, and a run killed half-way tells the rest on the next run.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from urllib.parse import urljoin

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core import signing
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.template.loader import render_to_string
from django.urls import reverse

from shop.accounts.models import AlertPreference, WishlistItem
from shop.jobs.services import email_queue
from shop.money import format_money

UNSUBSCRIBE_SALT = "shop.accounts.wishlist-alerts"


@dataclass
class AlertSummary:
    shoppers: int = 0
    emails: int = 0
    back_in_stock: int = 0
    price_drops: int = 0

    def lines(self) -> list[str]:
        return [
            f"Shoppers checked: {self.shoppers}  E-mails queued: {self.emails}  "
            f"Back in stock: {self.back_in_stock}  Price drops: {self.price_drops}"
        ]


def unsubscribe_token(*, user_id: int) -> str:
    return signing.dumps(user_id, salt=UNSUBSCRIBE_SALT)


def unsubscribe_user_id(*, token: str) -> int | None:
    """The shopper a link's token was made for, or None if it was not made by us."""
    try:
        user_id = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    return user_id if isinstance(user_id, int) else None


def alerts_unsubscribe(*, user_id: int) -> None:
    AlertPreference.objects.update_or_create(user_id=user_id, defaults={"wishlist_alerts": False})


def _subscribed_users():
    opted_out = AlertPreference.objects.filter(user=OuterRef("pk"), wishlist_alerts=False)
    has_items = WishlistItem.objects.filter(user=OuterRef("pk"))
    return (
        get_user_model()
        .objects.filter(Exists(has_items), is_active=True)
        .exclude(email="")
        .exclude(Exists(opted_out))
        .order_by("pk")
    )


def wishlist_alerts_send() -> AlertSummary:
    """Queue one e-mail per shopper whose saved items came back or got cheaper."""
    summary = AlertSummary()
    for user in _subscribed_users().iterator():
        summary.shoppers += 1
        _alert_user(user=user, summary=summary)
    return summary


def _alert_user(*, user: AbstractBaseUser, summary: AlertSummary) -> None:
    with transaction.atomic():
        items = (
            WishlistItem.objects.select_for_update(of=("self",))
            .filter(user=user, product__is_active=True)
            .select_related("product", "variant")
            .order_by("pk")
        )
        news: list[str] = []
        for item in items:
            product, variant = item.product, item.variant
            sizes = [variant] if variant else [v for v in product.variants.all() if v.is_active]
            in_stock = any(v.in_stock for v in sizes)
            label = f"{product.name}{f' (size {variant.size})' if variant else ''}"
            if in_stock and not item.in_stock_seen:
                news.append(f"Back in stock: {label}")
                summary.back_in_stock += 1
            elif (
                in_stock
                and product.price is not None
                and item.price_seen is not None
                and product.price < item.price_seen
            ):
                news.append(
                    f"Price drop: {label}, now {format_money(product.price)} "
                    f"(was {format_money(item.price_seen)})"
                )
                summary.price_drops += 1
            if (item.in_stock_seen, item.price_seen) != (in_stock, product.price):
                item.in_stock_seen, item.price_seen = in_stock, product.price
                item.save(update_fields=["in_stock_seen", "price_seen"])
        if not news:
            return
        # The same news again (a rerun) is the same key: queued once.
        digest = hashlib.sha256("\n".join(news).encode()).hexdigest()[:16]
        body = render_to_string(
            "accounts/email/wishlist_alert.txt",
            {
                "news": news,
                "wishlist_url": urljoin(settings.SHOP_BASE_URL, reverse("accounts:wishlist")),
                "unsubscribe_url": urljoin(
                    settings.SHOP_BASE_URL,
                    reverse(
                        "accounts:alerts_unsubscribe", args=[unsubscribe_token(user_id=user.pk)]
                    ),
                ),
            },
        )
        if email_queue(
            key=f"wishlist-alert:{user.pk}:{digest}",
            to=[user.email],
            subject="Threadline: news about your wishlist",
            body=body,
        ):
            summary.emails += 1
