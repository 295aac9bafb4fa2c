from __future__ import annotations

from django.contrib import admin

from shop.assistant.models import Occasion, OutfitTemplate


class OutfitTemplateInline(admin.TabularInline):
    model = OutfitTemplate
    extra = 0


@admin.register(Occasion)
class OccasionAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "words", "usages"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [OutfitTemplateInline]
