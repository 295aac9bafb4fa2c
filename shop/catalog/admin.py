from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.html import format_html

from shop import images
from shop.catalog.encoder import current_model_id
from shop.catalog.models import (
    Category,
    Product,
    SearchCalibration,
    SearchQueryLog,
    StorefrontSettings,
    Synonym,
)
from shop.catalog.services import (
    catalog_embed,
    product_embeddings_clear,
    product_photo_replace,
    product_search_vectors_refresh,
)

# Selections up to this size are embedded within the admin request.
EMBED_NOW_MAX = 10


class SynonymForm(forms.ModelForm):
    class Meta:
        model = Synonym
        fields = ["term", "targets", "two_way"]
        help_texts = {
            "targets": 'Comma separated catalog values: article types ("Sports Shoes"), '
            "brands, colours, genders, occasions or seasons.",
        }

    def clean_term(self) -> str:
        # The vocabulary matches normalised words; store the term the way it matches.
        from shop.catalog.vocabulary import normalise

        term = normalise(self.cleaned_data["term"])
        if not term:
            raise forms.ValidationError("Give the shopper's word or phrase.")
        return term


@admin.register(Synonym)
class SynonymAdmin(admin.ModelAdmin):
    """Shopper words for search and the assistant (one vocabulary)."""

    form = SynonymForm
    list_display = ["term", "target_list", "two_way", "unknown_targets"]
    list_filter = ["two_way"]
    search_fields = ["term", "targets"]

    @admin.display(description="means")
    def target_list(self, synonym: Synonym) -> str:
        return ", ".join(synonym.targets)

    @admin.display(description="not in the catalog")
    def unknown_targets(self, synonym: Synonym) -> str:
        from shop.catalog.vocabulary import get_vocabulary, normalise

        vocabulary = get_vocabulary()
        known = {normalise(v) for kind in vocabulary.kinds() for v in vocabulary.values(kind)}
        return ", ".join(t for t in synonym.targets if normalise(t) not in known)


REPORT_PERIODS = {
    "1": "Last 24 hours",
    "7": "Last 7 days",
    "30": "Last 30 days",
    "90": "Last 90 days",
}


@admin.register(SearchQueryLog)
class SearchQueryLogAdmin(admin.ModelAdmin):
    """Shopper searches (no personal data) and the merchant's report over a period."""

    list_display = ["query", "result_count", "with_photo", "clicked_product", "created_at"]
    list_filter = ["with_photo", "created_at"]
    search_fields = ["query"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in SearchQueryLog._meta.fields]
    change_list_template = "admin/catalog/searchquerylog/change_list.html"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def get_urls(self) -> list:
        from django.urls import path

        return [
            path("report/", self.admin_site.admin_view(self.report_view), name="search_report"),
            *super().get_urls(),
        ]

    def report_view(self, request: HttpRequest) -> HttpResponse:
        from datetime import timedelta

        from django.template.response import TemplateResponse
        from django.utils import timezone

        from shop.catalog.analytics import query_stats

        days = request.GET.get("days", "7")
        if days not in REPORT_PERIODS:
            days = "7"
        stats = query_stats(since=timezone.now() - timedelta(days=int(days)))
        searches = sum(s.searches for s in stats)
        clicks = sum(s.clicks for s in stats)
        context = {
            **self.admin_site.each_context(request),
            "title": "Search report",
            "opts": self.model._meta,
            "periods": REPORT_PERIODS,
            "days": days,
            "top": stats[:20],
            "zero": sorted(
                (s for s in stats if s.zero_results), key=lambda s: (-s.zero_results, s.query)
            )[:20],
            "searches": searches,
            "clicks": clicks,
            "click_through": clicks / searches if searches else 0.0,
        }
        return TemplateResponse(request, "admin/catalog/search_report.html", context)


@admin.register(SearchCalibration)
class SearchCalibrationAdmin(admin.ModelAdmin):
    list_display = ["model_id", "text_floor", "image_floor", "texts", "pairs", "computed_at"]
    readonly_fields = ["model_id", "texts", "pairs", "computed_at"]


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


class EmbeddingStatusFilter(admin.SimpleListFilter):
    title = "embedding"
    parameter_name = "embedding"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [
            ("current", f"Current model ({current_model_id()})"),
            ("other", "Another model (needs re-embedding)"),
            ("none", "Not embedded"),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Product]) -> QuerySet[Product]:
        model_id = current_model_id()
        match self.value():
            case "current":
                return queryset.embedded_with(model_id)
            case "other":
                return queryset.needing_embedding(model_id).exclude(embedding_model="")
            case "none":
                return queryset.filter(embedding_model="")
        return queryset


class ProductAdminForm(forms.ModelForm):
    new_photo = forms.FileField(
        required=False,
        help_text="JPEG, PNG or WebP. The shop stores a re-encoded copy and a thumbnail, "
        "and re-embeds the product at the next embed_catalog run.",
    )

    class Meta:
        model = Product
        fields = [
            "name",
            "external_id",
            "category",
            "is_active",
            "gender",
            "base_colour",
            "season",
            "year",
            "usage",
            "price",
            "stock",
        ]

    def clean_new_photo(self) -> UploadedFile | None:
        upload = self.cleaned_data.get("new_photo")
        if upload is None:
            return None
        data = upload.read(images.DEFAULT_MAX_BYTES + 1)
        try:
            images.decode_image(data, filename=upload.name or "")
        except images.ImageRejected as rejected:
            raise forms.ValidationError(rejected.message) from None
        upload.seek(0)
        return upload


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    form = ProductAdminForm
    list_display = [
        "thumb",
        "name",
        "category",
        "gender",
        "base_colour",
        "price",
        "stock",
        "is_active",
        "embedding_status",
    ]
    list_display_links = ["thumb", "name"]
    list_filter = [
        "is_active",
        "gender",
        "category__master_category",
        "category",
        "season",
        "usage",
        EmbeddingStatusFilter,
        "embedding_model",
    ]
    actions = ["re_embed"]
    list_editable = ["price", "stock", "is_active"]
    list_select_related = ["category"]
    search_fields = ["name", "external_id", "category__name", "base_colour"]
    # Photos are never edited as raw files: a new one goes through the safe image
    # module (new_photo), so uploaded bytes are never stored or served.
    readonly_fields = [
        "thumb_large",
        "image",
        "thumbnail",
        "image_sha256",
        "embedding_model",
        "embedded_at",
        "created_at",
        "updated_at",
    ]
    autocomplete_fields = ["category"]
    list_per_page = 50
    fieldsets = [
        (None, {"fields": ["thumb_large", "name", "external_id", "category", "is_active"]}),
        ("Attributes", {"fields": ["gender", "base_colour", "season", "year", "usage"]}),
        ("Selling", {"fields": ["price", "stock"]}),
        ("Photo", {"fields": ["new_photo", "image", "thumbnail", "image_sha256"]}),
        ("Search", {"fields": ["embedding_model", "embedded_at", "created_at", "updated_at"]}),
    ]

    def formfield_for_dbfield(self, db_field, request, **kwargs):  # noqa: ANN001, ANN201
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name in ("price", "stock") and field is not None:
            # Editable in the list: narrow inputs keep the table on one screen.
            field.widget.attrs["style"] = "width: 6em"
        return field

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

    @admin.action(description="Re-embed selected products with the current model")
    def re_embed(self, request: HttpRequest, queryset: QuerySet[Product]) -> None:
        from shop.catalog.encoder import EncoderUnavailable, get_encoder

        if queryset.count() > EMBED_NOW_MAX:
            # The real model takes ~5 s a photo on a CPU: more than a request can wait.
            count = product_embeddings_clear(product_ids=queryset.values_list("id", flat=True))
            self.message_user(
                request,
                f"{count} products marked for re-embedding: run `manage.py embed_catalog` "
                "(on a GPU machine for large batches).",
                level=messages.WARNING,
            )
            return
        try:
            encoder = get_encoder()
        except EncoderUnavailable as error:
            self.message_user(request, str(error), level=messages.ERROR)
            return
        summary = catalog_embed(
            encoder=encoder,
            product_ids=list(queryset.values_list("id", flat=True)),
            force=True,
            workers=0,
        )
        level = messages.WARNING if summary.skipped else messages.SUCCESS
        self.message_user(request, " ".join(summary.lines()), level=level)
