from __future__ import annotations

from django.conf import settings
from django.db import models

from shop.catalog.models import Product, ProductVariant


class Address(models.Model):
    """A delivery address a shopper saved; the default one prefills checkout."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="addresses"
    )
    name = models.CharField("full name", max_length=100)
    line1 = models.CharField("address line 1", max_length=200)
    line2 = models.CharField("address line 2", max_length=200, blank=True)
    city = models.CharField(max_length=100)
    state = models.CharField(max_length=100)
    postcode = models.CharField("PIN code", max_length=6)
    phone = models.CharField("mobile number", max_length=20)
    is_default = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-is_default", "-created_at", "-id"]
        verbose_name_plural = "addresses"
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(is_default=True),
                name="one_default_address_per_user",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}, {self.line1}, {self.city} {self.postcode}"


class WishlistItem(models.Model):
    """A product a shopper saved, in one size or in any (``variant`` empty).

    ``price_seen`` and ``in_stock_seen`` are what the shopper last knew (when saving, or
    from the last alert): an alert goes out when the catalog moves away from them, and
    moves them, so each change is told once.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="wishlist_items"
    )
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    variant = models.ForeignKey(
        ProductVariant, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    price_seen = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    in_stock_seen = models.BooleanField(default=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "product", "variant"],
                nulls_distinct=False,
                name="unique_wishlist_item",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product} ({self.variant.size if self.variant else 'any size'})"


class AlertPreference(models.Model):
    """Whether a shopper wants wishlist alerts (back in stock, price drop); on by default."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="alert_preference",
    )
    wishlist_alerts = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Alerts for {self.user}: {'on' if self.wishlist_alerts else 'off'}"
