from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import URLPattern, path

from shop.money import format_money
from shop.orders.exceptions import OrderError
from shop.orders.invoice_admin import invoice_link, order_invoice_view
from shop.orders.models import Order, OrderLine, OrderStatus, PaymentEvent, PaymentStatus
from shop.orders.payments import PAYMENT_METHODS
from shop.orders.services import order_status_change, payment_refund_queue


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    can_delete = False
    fields = ["product_name", "brand", "size", "sku", "unit_price", "quantity", "line_total"]
    fields += ["discount"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Order | None = None) -> bool:
        return False


class OrderAdminForm(forms.ModelForm):
    """Only the status is edited here, and only to a status the workflow allows next."""

    class Meta:
        model = Order
        fields = ["status"]

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        # Staff who may only view get every field read-only: no status field here.
        if self.instance.pk is not None and "status" in self.fields:
            allowed = (self.instance.status, *self.instance.next_statuses)
            self.fields["status"].choices = [
                (value, label) for value, label in OrderStatus.choices if value in allowed
            ]


def _status_action(status: str, description: str):  # noqa: ANN202 (an admin action)
    @admin.action(description=description, permissions=["change"])
    def action(modeladmin: OrderAdmin, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        changed, refused = 0, []
        for order in queryset:
            try:
                order_status_change(order_id=order.pk, status=status)
                changed += 1
            except OrderError as error:
                refused.append(f"{order.number}: {error.message}")
        if changed:
            modeladmin.message_user(request, f"{changed} order(s) now {status}.", messages.SUCCESS)
        for reason in refused:
            modeladmin.message_user(request, reason, messages.WARNING)

    action.__name__ = f"mark_{status}"
    return action


@admin.action(description="Retry failed refunds", permissions=["change"])
def refund_retry(modeladmin: OrderAdmin, request: HttpRequest, queryset: QuerySet[Order]) -> None:
    failed = queryset.filter(payment__status=PaymentStatus.REFUND_FAILED)
    for order in failed:
        payment_refund_queue(order_id=order.pk)
    modeladmin.message_user(request, f"{failed.count()} refund(s) queued again.", messages.INFO)


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    form = OrderAdminForm
    # Who ordered, and the shopper's words for delivery and payment (not their codes).
    list_display = [
        "number",
        "created_at",
        "name",
        "email",
        "status",
        "delivery_name",
        "payment_label",
        "total_display",
    ]
    list_filter = ["status", "created_at", "payment_method", "payment__status", "delivery_method"]
    list_select_related = ["payment"]
    search_fields = ["number", "email", "name"]
    date_hierarchy = "created_at"
    inlines = [OrderLineInline]
    fieldsets = [
        (None, {"fields": ["number", "status", "created_at", "confirmation_sent_at"]}),
        ("Customer", {"fields": ["email", "name", "phone"]}),
        ("Address", {"fields": ["line1", "line2", "city", "state", "postcode"]}),
        (
            "Delivery and payment",
            {
                "fields": [
                    "delivery_name",
                    "payment_method",
                    "payment_reference",
                    "online_payment",
                    "subtotal_display",
                    "voucher_code",
                    "discount_display",
                    "delivery_display",
                    "total_display",
                    "invoice_pdf",
                ]
            },
        ),
    ]
    # All but the status is what was sold and where it goes: shown, never edited.
    readonly_fields = [
        name for _title, options in fieldsets for name in options["fields"] if name != "status"
    ]
    actions = [
        _status_action(OrderStatus.CONFIRMED, "Mark selected orders confirmed"),
        _status_action(OrderStatus.SHIPPED, "Mark selected orders shipped"),
        _status_action(OrderStatus.DELIVERED, "Mark selected orders delivered"),
        _status_action(
            OrderStatus.CANCELLED, "Cancel selected orders (stock back, online payments refunded)"
        ),
        refund_retry,
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # orders come from checkout

    def has_delete_permission(self, request: HttpRequest, obj: Order | None = None) -> bool:
        return False  # cancel instead: it puts the stock back

    @admin.display(description="subtotal")
    def subtotal_display(self, order: Order) -> str:
        return format_money(order.subtotal, order.currency)

    @admin.display(description="voucher discount")
    def discount_display(self, order: Order) -> str:
        return format_money(order.discount, order.currency)

    @admin.display(description="GST invoice")
    def invoice_pdf(self, order: Order) -> str:
        return invoice_link(order)

    def get_urls(self) -> list[URLPattern]:
        invoice = self.admin_site.admin_view(
            lambda request, object_id: order_invoice_view(self, request, object_id)
        )
        own = [path("<path:object_id>/invoice/", invoice, name="orders_order_invoice")]
        return own + super().get_urls()

    @admin.display(description="delivery")
    def delivery_display(self, order: Order) -> str:
        return format_money(order.delivery_price, order.currency)

    @admin.display(description="total", ordering="total")
    def total_display(self, order: Order) -> str:
        return format_money(order.total, order.currency)

    @admin.display(description="payment", ordering="payment_method")
    def payment_label(self, order: Order) -> str:
        method = PAYMENT_METHODS.get(order.payment_method)
        label = method.name if method is not None else order.payment_method
        payment = getattr(order, "payment", None)  # online payments have one
        return f"{label}: {payment.get_status_display().lower()}" if payment else label

    @admin.display(description="online payment")
    def online_payment(self, order: Order) -> str:
        """What Razorpay holds for the order, and a refund's failure for staff to act on."""
        payment = getattr(order, "payment", None)
        if payment is None:
            return "-"
        parts = [
            payment.get_status_display(),
            f"Razorpay order {payment.provider_order_id or '(not opened)'}",
        ]
        if payment.provider_payment_id:
            parts.append(f"payment {payment.provider_payment_id}")
        if payment.last_failure and payment.status == PaymentStatus.PENDING:
            parts.append(f"last attempt failed: {payment.last_failure}")
        if payment.refund_id:
            parts.append(f"refund {payment.refund_id}")
        if payment.refund_error:
            parts.append(f"REFUND FAILED: {payment.refund_error} (Retry failed refunds)")
        return " · ".join(parts)

    def save_model(
        self, request: HttpRequest, obj: Order, form: OrderAdminForm, change: bool
    ) -> None:
        # The workflow (and the stock a cancellation restores) belongs to the service.
        if "status" in form.changed_data:
            try:
                order_status_change(order_id=obj.pk, status=form.cleaned_data["status"])
            except OrderError as error:
                self.message_user(request, error.message, messages.ERROR)


@admin.register(PaymentEvent)
class PaymentEventAdmin(admin.ModelAdmin):
    """Razorpay's webhook events as received, one row each: to read, never to edit."""

    list_display = ["received_at", "event", "provider_order_id", "outcome", "event_id"]
    list_filter = ["event", "received_at"]
    search_fields = ["event_id", "provider_order_id"]
    readonly_fields = ["event_id", "provider", "event", "provider_order_id", "outcome", "payload"]
    fields = readonly_fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: PaymentEvent | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: PaymentEvent | None = None) -> bool:
        return False
