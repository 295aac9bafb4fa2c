"""Admin for GST invoices: HSN codes per article type, issued invoices, and the PDF link
that the order admin shows (staff who may view the order may download its invoice)."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import format_html

from shop.errors import ShopError
from shop.money import format_money
from shop.orders.invoices import NOT_INVOICED, invoice_issue, invoice_response
from shop.orders.models import HsnCode, Invoice, InvoiceLine, Order


@admin.register(HsnCode)
class HsnCodeAdmin(admin.ModelAdmin):
    list_display = ["article_type", "hsn_code", "rate", "higher_rate", "higher_rate_above"]
    search_fields = ["article_type__name", "hsn_code"]
    autocomplete_fields = ["article_type"]


class InvoiceLineInline(admin.TabularInline):
    model = InvoiceLine
    extra = 0
    can_delete = False
    fields = ["description", "hsn_code", "quantity", "rate", "taxable_value", "cgst", "sgst"]
    fields += ["igst", "amount"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Invoice | None = None) -> bool:
        return False


@admin.register(Invoice)
class InvoiceAdmin(admin.ModelAdmin):
    """Issued invoices, read-only: they are numbered and kept as issued."""

    list_display = ["number", "issued_at", "order", "place_of_supply", "total_display", "pdf"]
    list_select_related = ["order"]
    search_fields = ["number", "order__number", "order__email"]
    date_hierarchy = "issued_at"
    inlines = [InvoiceLineInline]
    readonly_fields = [
        "number",
        "issued_at",
        "order",
        "seller_name",
        "seller_address",
        "seller_gstin",
        "seller_state",
        "place_of_supply",
        "intra_state",
        "taxable_value",
        "cgst",
        "sgst",
        "igst",
        "total",
        "currency",
        "pdf",
    ]
    fields = readonly_fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Invoice | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Invoice | None = None) -> bool:
        return False  # numbered without gaps: never deleted

    @admin.display(description="total", ordering="total")
    def total_display(self, invoice: Invoice) -> str:
        return format_money(invoice.total, invoice.currency)

    @admin.display(description="PDF")
    def pdf(self, invoice: Invoice) -> str:
        return invoice_link(invoice.order)


def invoice_link(order: Order) -> str:
    """The order's invoice PDF link in the admin ("-" before it can have one)."""
    if order.pk is None or order.status in NOT_INVOICED:
        return "-"
    url = reverse("admin:orders_order_invoice", args=[order.pk])
    return format_html(
        '<a href="{}" data-testid="admin-invoice">Download the invoice (PDF)</a>', url
    )


def order_invoice_view(model_admin: admin.ModelAdmin, request: HttpRequest, object_id: str):  # noqa: ANN201
    """The order admin's invoice download: staff who may view the order."""
    order = Order.objects.filter(pk=object_id).first() if object_id.isdigit() else None
    if order is None:
        raise Http404("No such order")
    if not model_admin.has_view_permission(request, order):
        raise PermissionDenied
    try:
        invoice = invoice_issue(order_id=order.pk)
    except ShopError as error:
        return HttpResponse(error.message, status=error.status, content_type="text/plain")
    return invoice_response(invoice)
