from __future__ import annotations

from django.contrib import admin
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Lower
from django.http import HttpRequest
from django.utils.html import format_html

from shop.catalog.forms import DESCRIPTION_FIELDS, ProductAdminForm
from shop.catalog.models import (
    Brand,
    Category,
    Product,
    ProductVariant,
    StorefrontSettings,
)
from shop.catalog.services import (
    product_photo_replace,
    product_search_vectors_refresh,
)
from shop.money import format_money


@admin.register(StorefrontSettings)
class StorefrontSettingsAdmin(admin.ModelAdmin):
    """What the home page shows first: newest arrivals or a hand-picked collection."""

    autocomplete_fields = ["collection"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not StorefrontSettings.objects.exists()


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "sub_category", "master_category", "product_count"]
    list_filter = ["master_category", "sub_category"]
    search_fields = ["name", "sub_category", "master_category"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request: HttpRequest) -> QuerySet[Category]:
        return super().get_queryset(request).annotate(n=Count("products"))

    @admin.display(description="products", ordering="n")
    def product_count(self, category: Category) -> int:
        return category.n

    def save_model(self, request: HttpRequest, obj: Category, form: object, change: bool) -> None:
        super().save_model(request, obj, form, change)
        # Category names are part of every product's keyword index.
        product_search_vectors_refresh(product_ids=obj.products.values_list("id", flat=True))


@admin.register(Brand)
class BrandAdmin(admin.ModelAdmin):
    list_display = ["name", "product_count"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    # "adidas" sorts with "ADIDAS", not after every capitalised name.
    ordering = [Lower("name")]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Brand]:
        return super().get_queryset(request).annotate(n=Count("products")).order_by(Lower("name"))

    @admin.display(description="products", ordering="n")
    def product_count(self, brand: Brand) -> int:
        return brand.n

    def save_model(self, request: HttpRequest, obj: Brand, form: object, change: bool) -> None:
        super().save_model(request, obj, form, change)
        # Brand names are part of their products' keyword index.
        product_search_vectors_refresh(product_ids=obj.products.values_list("id", flat=True))


LOW_STOCK = 5


class StockFilter(admin.SimpleListFilter):
    """Stock over a product's active sizes whose stock is tracked."""

    title = "stock"
    parameter_name = "stock"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [
            ("in", "In stock"),
            ("low", f"Low ({LOW_STOCK} or fewer left)"),
            ("out", "Sold out"),
            ("untracked", "Not tracked"),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Product]) -> QuerySet[Product]:
        match self.value():
            case "in":
                return queryset.filter(Q(units__gt=0) | Q(untracked__gt=0))
            case "low":
                return queryset.filter(untracked=0, units__gt=0, units__lte=LOW_STOCK)
            case "out":
                return queryset.filter(untracked=0).filter(Q(units=0) | Q(units__isnull=True))
            case "untracked":
                return queryset.filter(untracked__gt=0)
        return queryset


class ProductVariantInline(admin.TabularInline):
    model = ProductVariant
    fields = ["size", "sku", "stock", "position", "is_active"]
    extra = 0
    verbose_name = "size"
    verbose_name_plural = "sizes (stock empty = not tracked)"


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    form = ProductAdminForm
    inlines = [ProductVariantInline]
    list_display = [
        "thumb",
        "name",
        "brand",
        "category",
        "gender",
        "base_colour",
        "price_shown",
        "list_price_shown",
        "stock_shown",
        "is_active",
    ]
    list_display_links = ["thumb", "name"]
    list_filter = [
        "is_active",
        StockFilter,
        ("brand", admin.RelatedOnlyFieldListFilter),
        "gender",
        "category__master_category",
        "category",
        "season",
        "usage",
        "embedding_model",
    ]
    # Embedding (a status filter, the "re-embed" action on the task engine) is added
    # to this admin by shop/jobs/admin.py.
    list_editable = ["is_active"]
    list_select_related = ["category", "brand"]
    search_fields = ["name", "external_id", "category__name", "brand__name", "base_colour"]
    # Photos are never edited as raw files: a new one goes through the safe image
    # module (new_photo), so uploaded bytes are never stored or served.
    readonly_fields = [
        "thumb_large",
        "image",
        "thumbnail",
        "image_sha256",
        "embedding_status",
        "created_at",
        "updated_at",
    ]
    autocomplete_fields = ["category", "brand"]
    list_per_page = 50
    # The first two fieldsets come before the sizes and stock (see the change form
    # template, admin/catalog/product/change_form.html); the technical ones are folded.
    fieldsets = [
        (None, {"fields": ["thumb_large", "name", "external_id", "category", "is_active"]}),
        ("Selling", {"fields": ["brand", "price", "list_price"]}),
        (
            "Attributes",
            {"fields": ["gender", "base_colour", "season", "year", "usage", "age_group"]},
        ),
        (
            "Description",
            {
                "fields": [*DESCRIPTION_FIELDS, "attributes"],
                "description": "Paragraphs, line breaks, lists and bold only: anything else "
                "(links, styles, scripts) is removed on save.",
            },
        ),
        ("Photo", {"fields": ["new_photo"]}),
        (
            "Files and search",
            {
                "classes": ["collapse"],
                "fields": [
                    "image",
                    "thumbnail",
                    "image_sha256",
                    "embedding_status",
                    "created_at",
                    "updated_at",
                ],
            },
        ),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Product]:
        active = Q(variants__is_active=True)
        return (
            super()
            .get_queryset(request)
            .annotate(
                units=Sum("variants__stock", filter=active & Q(variants__stock__isnull=False)),
                untracked=Count("variants", filter=active & Q(variants__stock__isnull=True)),
            )
        )

    @admin.display(description="stock", ordering="units")
    def stock_shown(self, product: Product) -> str:
        if product.untracked:
            return "not tracked" if product.units is None else f"{product.units} + untracked"
        if not product.units:
            return "sold out"
        return (
            f"{product.units} ({LOW_STOCK} or fewer)"
            if product.units <= LOW_STOCK
            else str(product.units)
        )

    @admin.display(description="price", ordering="price")
    def price_shown(self, product: Product) -> str:
        return format_money(product.price) or "—"

    @admin.display(description="list price", ordering="list_price")
    def list_price_shown(self, product: Product) -> str:
        return format_money(product.list_price) or "—"

    @admin.display(description="")
    def thumb(self, product: Product) -> str:
        if not product.thumbnail:
            return "—"
        return format_html('<img src="{}" alt="" style="height:60px">', product.thumbnail.url)

    @admin.display(description="photo")
    def thumb_large(self, product: Product) -> str:
        if not product.thumbnail:
            return "—"
        return format_html('<img src="{}" alt="" style="height:240px">', product.thumbnail.url)

    @admin.display(description="embedding", ordering="embedded_at")
    def embedding_status(self, product: Product) -> str:
        if not product.embedding_model:
            return "not embedded"
        return f"{product.embedding_model} ({product.embedded_at:%Y-%m-%d %H:%M})"

    def save_model(
        self, request: HttpRequest, obj: Product, form: ProductAdminForm, change: bool
    ) -> None:
        super().save_model(request, obj, form, change)
        upload = form.cleaned_data.get("new_photo")
        if upload is not None:
            product_photo_replace(product=obj, data=upload.read(), filename=upload.name or "")
        product_search_vectors_refresh(product_ids=[obj.pk])
