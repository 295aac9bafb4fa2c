from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models.functions import Lower

from shop.catalog.models import Brand, Category


class VoucherKind(models.TextChoices):
    PERCENTAGE = "percentage", "Percentage off"
    FIXED = "fixed", "Fixed amount off"


class Voucher(models.Model):
    """A code a shopper types in the cart; checked again, under a row lock, at checkout."""

    # Shoppers type codes in any case: unique whatever the case (a functional index).
    code = models.CharField(max_length=32)
    description = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=20, choices=VoucherKind, default=VoucherKind.PERCENTAGE)
    value = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text="Percent off (1-100) or an amount in the shop currency.",
    )
    minimum_order = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0))],
        help_text="What the items it applies to must add up to.",
    )
    is_active = models.BooleanField(default=True)
    starts_at = models.DateTimeField(null=True, blank=True, help_text="Shop time zone.")
    ends_at = models.DateTimeField(null=True, blank=True, help_text="Shop time zone.")
    usage_limit = models.PositiveIntegerField(
        null=True, blank=True, help_text="Orders in all that may use it; empty: no limit."
    )
    per_customer_limit = models.PositiveIntegerField(
        null=True,
        blank=True,
        default=1,
        help_text="Orders per e-mail address (and per account); empty: no limit.",
    )
    brands = models.ManyToManyField(
        Brand, blank=True, related_name="+", help_text="Only these brands; none: any brand."
    )
    article_types = models.ManyToManyField(
        Category,
        blank=True,
        related_name="+",
        help_text="Only these article types; none: any type.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(Lower("code"), name="voucher_code_unique_any_case"),
            models.CheckConstraint(condition=models.Q(value__gt=0), name="voucher_value_positive"),
            models.CheckConstraint(
                condition=~models.Q(kind="percentage") | models.Q(value__lte=100),
                name="voucher_percentage_at_most_100",
            ),
            models.CheckConstraint(
                condition=models.Q(starts_at__isnull=True)
                | models.Q(ends_at__isnull=True)
                | models.Q(ends_at__gt=models.F("starts_at")),
                name="voucher_ends_after_it_starts",
            ),
        ]

    def __str__(self) -> str:
        return self.code


class VoucherUse(models.Model):
    """One order's use of a voucher; deleted when the order is cancelled (the use returns)."""

    voucher = models.ForeignKey(Voucher, on_delete=models.PROTECT, related_name="uses")
    # A string reference: promotions sits below orders (the cart prices vouchers).
    order = models.OneToOneField(
        "orders.Order", on_delete=models.CASCADE, related_name="voucher_use"
    )
    email = models.EmailField(help_text="Lower-cased, for the per-customer limit.")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["voucher", "email"])]

    def __str__(self) -> str:
        return f"{self.voucher} on order {self.order_id}"
