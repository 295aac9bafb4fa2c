from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse

from shop.catalog.models import ProductVariant


class OrderStatus(models.TextChoices):
    PLACED = "placed", "Placed"
    CONFIRMED = "confirmed", "Confirmed"
    SHIPPED = "shipped", "Shipped"
    DELIVERED = "delivered", "Delivered"
    CANCELLED = "cancelled", "Cancelled"


# The status workflow: where each status may go next.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    OrderStatus.PLACED: (OrderStatus.CONFIRMED, OrderStatus.CANCELLED),
    OrderStatus.CONFIRMED: (OrderStatus.SHIPPED, OrderStatus.CANCELLED),
    OrderStatus.SHIPPED: (OrderStatus.DELIVERED,),
    OrderStatus.DELIVERED: (),
    OrderStatus.CANCELLED: (),
}


class Order(models.Model):
    """What a shopper bought, as sold: later catalog edits never change it."""

    number = models.CharField(max_length=11, unique=True, editable=False)
    # The checkout form's one-time token (or an API client's idempotency key): a
    # double-submitted checkout finds the order it already made.
    checkout_token = models.UUIDField(unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="orders",
    )
    # The cart that placed it: its checkout_token gives the order back to that cart (or
    # the order's user) only, never to another session that learned the token.
    cart = models.ForeignKey(
        "cart.Cart",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    status = models.CharField(max_length=20, choices=OrderStatus, default=OrderStatus.PLACED)

    email = models.EmailField()
    name = models.CharField(max_length=100)
    line1 = models.CharField("address line 1", max_length=200)
    line2 = models.CharField("address line 2", max_length=200, blank=True)
    city = models.CharField(max_length=100)
    state = models.CharField(max_length=100)
    postcode = models.CharField("PIN code", max_length=6)
    phone = models.CharField(max_length=20)

    delivery_method = models.CharField(max_length=20)
    delivery_name = models.CharField(max_length=100)
    payment_method = models.CharField(max_length=20)
    payment_reference = models.CharField(max_length=100, blank=True)

    subtotal = models.DecimalField(max_digits=12, decimal_places=2)
    delivery_price = models.DecimalField(max_digits=10, decimal_places=2)
    total = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["email"]), models.Index(fields=["status"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(total=models.F("subtotal") + models.F("delivery_price")),
                name="order_total_adds_up",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("orders:confirmation", args=[self.number])

    @property
    def next_statuses(self) -> tuple[str, ...]:
        return TRANSITIONS[self.status]


class OrderLine(models.Model):
    """One item as sold: name, brand, size, SKU and price copied from the catalog."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey(
        ProductVariant, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    product_name = models.CharField(max_length=300)
    brand = models.CharField(max_length=100, blank=True)
    size = models.CharField(max_length=30)
    sku = models.CharField(max_length=120)
    unit_price = models.DecimalField(max_digits=10, decimal_places=2)
    quantity = models.PositiveSmallIntegerField()
    line_total = models.DecimalField(max_digits=12, decimal_places=2)
    # Whether checkout took these units from tracked stock: only then does a
    # cancellation put them back.
    stock_taken = models.BooleanField(default=False)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity__gte=1), name="order_line_quantity_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.product_name} ({self.size})"
