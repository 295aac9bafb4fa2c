"""The merchant's merchandising rules in the admin: list, filters, and a preview of what a
rule changes on the page it fires on."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.forms.models import construct_instance
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone

from shop.search import merchandising
from shop.search.filters import ProductFilters
from shop.search.models import MerchandisingRule

PREVIEW_SIZE = 12


class MerchandisingRuleForm(forms.ModelForm):
    class Meta:
        model = MerchandisingRule
        fields = [
            "query",
            "match",
            "category",
            "action",
            "product",
            "position",
            "filters",
            "weight",
            "starts_at",
            "ends_at",
            "enabled",
            "note",
        ]
        help_texts = {
            "filters": "For boost and bury: a JSON object with the storefront's filter names "
            "(category, gender, colour, brand, season, usage: a value or a list; price_min, "
            'price_max: amounts), e.g. {"brand": ["Puma"], "colour": "Black"}.',
        }

    def clean(self) -> dict:
        # The rule as a whole (merchandising.rule_validate), on a copy holding the
        # form's values, before the model's constraints: the field at fault is named,
        # as the API names it. The model itself imports nothing from search.
        cleaned = super().clean()
        rule = construct_instance(self, MerchandisingRule(pk=self.instance.pk))
        merchandising.rule_validate(rule)
        return cleaned


def rule_preview(rule: MerchandisingRule) -> dict:
    """The first results of the rule's page with the other active rules, and with this
    rule as well (as if enabled and in its window)."""
    from shop.search.results import results_page

    filters = ProductFilters(
        q=rule.query, category=(rule.category.slug,) if rule.category_id else ()
    )
    others = [r for r in merchandising.rules_active() if r.pk != rule.pk]
    before = results_page(filters=filters, page_size=PREVIEW_SIZE, rules=others)
    after = results_page(filters=filters, page_size=PREVIEW_SIZE, rules=[*others, rule])
    now = timezone.now()
    return {
        "rule": rule,
        "url": filters.url(),
        "before": list(before.page.object_list),
        "before_total": before.total,
        "after": list(after.page.object_list),
        "after_total": after.total,
        "inactive": not rule.enabled
        or (rule.starts_at is not None and rule.starts_at > now)
        or (rule.ends_at is not None and rule.ends_at <= now),
        "changed_ids": {p.pk for p in after.page.object_list}
        ^ {p.pk for p in before.page.object_list},
    }


@admin.register(MerchandisingRule)
class MerchandisingRuleAdmin(admin.ModelAdmin):
    """Pins, hides, boosts and buries for searches and article types (see merchandising)."""

    form = MerchandisingRuleForm
    list_display = [
        "__str__",
        "action",
        "query",
        "category",
        "product",
        "position",
        "weight",
        "enabled",
        "active_now",
        "starts_at",
        "ends_at",
    ]
    list_filter = ["action", "enabled", "match", ("category", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["query", "note", "product__name"]
    list_select_related = ["category", "product"]
    autocomplete_fields = ["product", "category"]
    readonly_fields = ["preview", "created_at", "updated_at"]
    actions = ["enable", "disable"]
    fieldsets = [
        ("When it fires", {"fields": ["query", "match", "category", "starts_at", "ends_at"]}),
        ("What it does", {"fields": ["action", "product", "position", "filters", "weight"]}),
        (None, {"fields": ["enabled", "note", "created_at", "updated_at"]}),
        ("Preview", {"fields": ["preview"]}),
    ]

    @admin.display(boolean=True, description="active now")
    def active_now(self, rule: MerchandisingRule) -> bool:
        now = timezone.now()
        return (
            rule.enabled
            and (rule.starts_at is None or rule.starts_at <= now)
            and (rule.ends_at is None or rule.ends_at > now)
        )

    @admin.display(description="what the shopper sees")
    def preview(self, rule: MerchandisingRule) -> str:
        if rule.pk is None:
            return "Save and continue editing to preview the page with this rule."
        return render_to_string("admin/search/merchandisingrule/preview.html", rule_preview(rule))

    @admin.action(description="Enable the selected rules", permissions=["change"])
    def enable(self, request: HttpRequest, queryset: QuerySet[MerchandisingRule]) -> None:
        count = queryset.update(enabled=True)
        self.message_user(request, f"{count} rule(s) enabled.", messages.SUCCESS)

    @admin.action(description="Disable the selected rules", permissions=["change"])
    def disable(self, request: HttpRequest, queryset: QuerySet[MerchandisingRule]) -> None:
        count = queryset.update(enabled=False)
        self.message_user(request, f"{count} rule(s) disabled.", messages.SUCCESS)
