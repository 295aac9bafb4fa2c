from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from shop.money import format_money
from shop.promotions.models import Voucher, VoucherKind, VoucherUse


class VoucherUseInline(admin.TabularInline):
    """Orders that used the voucher: written by checkout, removed by a cancellation."""

    model = VoucherUse
    fields = ["order", "email", "user", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Voucher | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Voucher | None = None) -> bool:
        return False


@admin.register(Voucher)
class VoucherAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "offer",
        "minimum_order",
        "is_active",
        "starts_at",
        "ends_at",
        "uses_display",
        "usage_limit",
        "per_customer_limit",
    ]
    list_filter = ["is_active", "kind", "starts_at", "ends_at"]
    search_fields = ["code", "description"]
    filter_horizontal = ["brands", "article_types"]
    inlines = [VoucherUseInline]
    actions = ["deactivate"]
    fieldsets = [
        (None, {"fields": ["code", "description", "is_active"]}),
        ("Offer", {"fields": ["kind", "value", "minimum_order"]}),
        ("When (shop time zone)", {"fields": ["starts_at", "ends_at"]}),
        ("Limits", {"fields": ["usage_limit", "per_customer_limit"]}),
        ("Only for", {"fields": ["brands", "article_types"]}),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Voucher]:
        return super().get_queryset(request).annotate(use_count=Count("uses"))

    @admin.display(description="offer")
    def offer(self, voucher: Voucher) -> str:
        if voucher.kind == VoucherKind.PERCENTAGE:
            return f"{voucher.value.normalize():f}% off"
        return f"{format_money(voucher.value)} off"

    @admin.display(description="uses", ordering="use_count")
    def uses_display(self, voucher: Voucher) -> int:
        return voucher.use_count

    def save_model(self, request: HttpRequest, obj: Voucher, form: object, change: bool) -> None:
        obj.code = "".join(obj.code.split()).upper()
        super().save_model(request, obj, form, change)

    def has_delete_permission(self, request: HttpRequest, obj: Voucher | None = None) -> bool:
        # A used voucher stays (orders name it); it can be turned off.
        if obj is not None and obj.uses.exists():
            return False
        return super().has_delete_permission(request, obj)

    @admin.action(description="Turn off the selected vouchers", permissions=["change"])
    def deactivate(self, request: HttpRequest, queryset: QuerySet[Voucher]) -> None:
        count = queryset.update(is_active=False)
        self.message_user(request, f"{count} voucher(s) turned off.", messages.SUCCESS)
