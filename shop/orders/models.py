from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse

from shop.catalog.models import ProductVariant


class OrderStatus(models.TextChoices):
    # Paid online: the stock is held until the payment is verified or its time runs out.
    AWAITING_PAYMENT = "awaiting_payment", "Awaiting payment"
    PLACED = "placed", "Placed"
    CONFIRMED = "confirmed", "Confirmed"
    SHIPPED = "shipped", "Shipped"
    DELIVERED = "delivered", "Delivered"
    CANCELLED = "cancelled", "Cancelled"


# The status workflow: where each status may go next.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    # Placed only by a verified payment (orders/payment_services.py), never by hand.
    OrderStatus.AWAITING_PAYMENT: (OrderStatus.CANCELLED,),
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
    # The voucher as used (its code copied, the discount the sum of the lines'):
    # later voucher edits never change the order.
    voucher_code = models.CharField(max_length=32, blank=True)
    discount = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    delivery_price = models.DecimalField(max_digits=10, decimal_places=2)
    total = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    shipped_notice_sent_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["email"]), models.Index(fields=["status"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    total=models.F("subtotal") - models.F("discount") + models.F("delivery_price")
                ),
                name="order_total_adds_up_with_discount",
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
    # What the order's voucher took off this line (line_total is before it).
    discount = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    # Whether checkout took these units from tracked stock: only then does a
    # cancellation put them back.
    stock_taken = models.BooleanField(default=False)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity__gte=1), name="order_line_quantity_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(discount__gte=0, discount__lte=models.F("line_total")),
                name="order_line_discount_within_total",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.product_name} ({self.size})"


class PaymentStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    PAID = "paid", "Paid"
    REFUNDED = "refunded", "Refunded"
    REFUND_FAILED = "refund_failed", "Refund failed"


class Payment(models.Model):
    """An order's online payment at the provider (Razorpay): its order, the payment that
    paid it, a failed attempt's reason, and the refund when a paid order is cancelled."""

    order = models.OneToOneField(Order, on_delete=models.PROTECT, related_name="payment")
    provider = models.CharField(max_length=20)
    # Razorpay's order (order_...): unique, so one of ours never gets two.
    provider_order_id = models.CharField(max_length=40, unique=True, null=True, blank=True)
    provider_payment_id = models.CharField(max_length=40, blank=True)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=20, choices=PaymentStatus, default=PaymentStatus.PENDING)
    last_failure = models.CharField(max_length=300, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    refund_id = models.CharField(max_length=40, blank=True)
    refunded_at = models.DateTimeField(null=True, blank=True)
    refund_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.provider} {self.provider_order_id or '(not started)'}"


class PaymentEvent(models.Model):
    """One webhook event, kept once: the same event delivered again finds its row and
    changes nothing."""

    event_id = models.CharField(max_length=100, unique=True)
    provider = models.CharField(max_length=20)
    event = models.CharField(max_length=60)
    provider_order_id = models.CharField(max_length=40, blank=True, db_index=True)
    outcome = models.CharField(max_length=200, blank=True)
    payload = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"{self.event} {self.event_id}"


class HsnCode(models.Model):
    """An article type's HSN code and GST rate for tax invoices.

    Article types without a row use SHOP_GST_DEFAULT_HSN and SHOP_GST_DEFAULT_RATE.
    Apparel's rate can rise with the value of a piece: ``higher_rate`` applies to units
    sold (after any discount) for more than ``higher_rate_above``.
    """

    article_type = models.OneToOneField(
        "catalog.Category", on_delete=models.CASCADE, related_name="+"
    )
    hsn_code = models.CharField("HSN code", max_length=8)
    rate = models.DecimalField("GST rate (%)", max_digits=5, decimal_places=2)
    higher_rate = models.DecimalField(
        "higher GST rate (%)", max_digits=5, decimal_places=2, null=True, blank=True
    )
    higher_rate_above = models.DecimalField(
        "per piece above", max_digits=10, decimal_places=2, null=True, blank=True
    )

    class Meta:
        verbose_name = "HSN code"
        ordering = ["article_type__name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rate__gte=0, rate__lte=40), name="hsn_rate_in_range"
            ),
            models.CheckConstraint(
                condition=models.Q(higher_rate__isnull=True, higher_rate_above__isnull=True)
                | models.Q(higher_rate__isnull=False, higher_rate_above__isnull=False),
                name="hsn_higher_rate_with_threshold",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.article_type}: {self.hsn_code}"


class InvoiceSequence(models.Model):
    """The last invoice number of one series (a financial year), locked to issue the next."""

    series = models.CharField(max_length=16, unique=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.series}: {self.last_number}"


class Invoice(models.Model):
    """A GST tax invoice for one order, as issued: seller, place of supply and amounts copied."""

    order = models.OneToOneField(Order, on_delete=models.PROTECT, related_name="invoice")
    number = models.CharField(max_length=16, unique=True)
    issued_at = models.DateTimeField()
    seller_name = models.CharField(max_length=200)
    seller_address = models.CharField(max_length=300)
    seller_gstin = models.CharField("seller GSTIN", max_length=15)
    seller_state = models.CharField(max_length=100)
    place_of_supply = models.CharField(max_length=100)
    # CGST + SGST within the seller's state; IGST across states.
    intra_state = models.BooleanField()
    taxable_value = models.DecimalField(max_digits=12, decimal_places=2)
    cgst = models.DecimalField("CGST", max_digits=12, decimal_places=2)
    sgst = models.DecimalField("SGST", max_digits=12, decimal_places=2)
    igst = models.DecimalField("IGST", max_digits=12, decimal_places=2)
    total = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)

    class Meta:
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    total=models.F("taxable_value")
                    + models.F("cgst")
                    + models.F("sgst")
                    + models.F("igst")
                ),
                name="invoice_total_adds_up",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class InvoiceLine(models.Model):
    """One invoice line: an order line (after its discount) or the delivery charge."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    description = models.CharField(max_length=300)
    hsn_code = models.CharField("HSN/SAC", max_length=8)
    quantity = models.PositiveSmallIntegerField()
    rate = models.DecimalField("GST rate (%)", max_digits=5, decimal_places=2)
    # What the shopper pays for the line (GST included) = taxable value + the taxes.
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    taxable_value = models.DecimalField(max_digits=12, decimal_places=2)
    cgst = models.DecimalField("CGST", max_digits=12, decimal_places=2)
    sgst = models.DecimalField("SGST", max_digits=12, decimal_places=2)
    igst = models.DecimalField("IGST", max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    amount=models.F("taxable_value")
                    + models.F("cgst")
                    + models.F("sgst")
                    + models.F("igst")
                ),
                name="invoice_line_adds_up",
            ),
        ]

    def __str__(self) -> str:
        return self.description
