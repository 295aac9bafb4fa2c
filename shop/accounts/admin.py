from __future__ import annotations

# Imported first so EmailAddress is registered before it is replaced below (this app
# comes before allauth in INSTALLED_APPS, for its templates).
from allauth.account import admin as allauth_admin
from allauth.account.models import EmailAddress
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from shop.accounts.models import Address, AlertPreference, WishlistItem


class EmailAddressAdmin(allauth_admin.EmailAddressAdmin):
    """allauth's, with its one action declaring the permission it needs."""

    @admin.action(description="Mark selected e-mail addresses as verified", permissions=["change"])
    def make_verified(self, request: HttpRequest, queryset: QuerySet[EmailAddress]) -> None:
        super().make_verified(request, queryset)


admin.site.unregister(EmailAddress)
admin.site.register(EmailAddress, EmailAddressAdmin)


@admin.register(Address)
class AddressAdmin(admin.ModelAdmin):
    list_display = ["user", "name", "city", "state", "postcode", "is_default"]
    list_filter = ["is_default", "state"]
    search_fields = ["user__email", "name", "postcode"]
    raw_id_fields = ["user"]


@admin.register(WishlistItem)
class WishlistItemAdmin(admin.ModelAdmin):
    list_display = ["user", "product", "variant", "created_at", "price_seen", "in_stock_seen"]
    search_fields = ["user__email", "product__name"]
    raw_id_fields = ["user", "product", "variant"]
    list_select_related = ["user", "product", "variant"]


@admin.register(AlertPreference)
class AlertPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "wishlist_alerts", "updated_at"]
    list_filter = ["wishlist_alerts"]
    search_fields = ["user__email"]
    raw_id_fields = ["user"]
