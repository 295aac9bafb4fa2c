"""Search in the admin: shopper words (synonyms), relevance floors, the search log and
the merchant's dashboard beside it; merchandising rules register in ``merchandising_admin``."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path

from shop.money import format_money
from shop.search import merchandising_admin  # noqa: F401 (registers the rules' admin)
from shop.search.charts import chart
from shop.search.dashboard import (
    BUCKETS,
    LOW_CTR_MIN_SEARCHES,
    Dashboard,
    dashboard_csv,
    search_dashboard,
)
from shop.search.models import SearchCalibration, SearchQueryLog, Synonym
from shop.search.vocabulary import get_vocabulary, normalise


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
        vocabulary = get_vocabulary()
        known = {normalise(v) for kind in vocabulary.kinds() for v in vocabulary.values(kind)}
        return ", ".join(t for t in synonym.targets if normalise(t) not in known)


@admin.register(SearchCalibration)
class SearchCalibrationAdmin(admin.ModelAdmin):
    list_display = ["model_id", "text_floor", "image_floor", "texts", "pairs", "computed_at"]
    readonly_fields = ["model_id", "texts", "pairs", "computed_at"]


REPORT_PERIODS = {
    "1": "Today",
    "7": "Last 7 days",
    "30": "Last 30 days",
    "90": "Last 90 days",
    "365": "Last 365 days",
}
TOP_QUERIES = 50


@admin.register(SearchQueryLog)
class SearchQueryLogAdmin(admin.ModelAdmin):
    """Shopper searches (no personal data) and the merchant's dashboard over a period."""

    list_display = [
        "query",
        "source",
        "result_count",
        "with_photo",
        "clicked_product",
        "created_at",
    ]
    list_filter = ["source", "with_photo", "created_at"]
    search_fields = ["query"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in SearchQueryLog._meta.fields]
    change_list_template = "admin/search/searchquerylog/change_list.html"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def get_urls(self) -> list:
        return [
            path("report/", self.admin_site.admin_view(self.report_view), name="search_report"),
            *super().get_urls(),
        ]

    def report_view(self, request: HttpRequest) -> HttpResponse:
        """Searches, zero results, CTR, click position, add-to-cart, conversion and revenue
        per query and per day or week, with charts; ``?format=csv`` downloads them."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        days = request.GET.get("days", "7")
        days = days if days in REPORT_PERIODS else "7"
        bucket = request.GET.get("bucket", "day")
        bucket = bucket if bucket in BUCKETS else "day"
        dashboard = search_dashboard(days=int(days), bucket=bucket)
        if request.GET.get("format") == "csv":
            response = HttpResponse(
                dashboard_csv(dashboard), content_type="text/csv; charset=utf-8"
            )
            response["Content-Disposition"] = (
                f'attachment; filename="searches-{days}d-by-{bucket}.csv"'
            )
            return response
        context = {
            **self.admin_site.each_context(request),
            "title": "Search dashboard",
            "opts": self.model._meta,
            "periods": REPORT_PERIODS,
            "buckets": BUCKETS,
            "days": days,
            "bucket": bucket,
            "dashboard": dashboard,
            "top": dashboard.queries[:TOP_QUERIES],
            "charts": _charts(dashboard),
            "low_ctr_min": LOW_CTR_MIN_SEARCHES,
        }
        return TemplateResponse(request, "admin/search/search_report.html", context)


def _charts(dashboard: Dashboard) -> list:
    periods = [period.strftime("%d %b") for period, _ in dashboard.series]
    figures = [f for _, f in dashboard.series]
    return [
        chart(title="Searches", periods=periods, values=[f.searches for f in figures]),
        chart(
            title="Zero-result rate",
            periods=periods,
            values=[f.zero_rate for f in figures],
            kind="rate",
        ),
        chart(
            title="Click-through rate",
            periods=periods,
            values=[f.click_through for f in figures],
            kind="rate",
        ),
        chart(
            title="Conversion rate",
            periods=periods,
            values=[f.conversion_rate for f in figures],
            kind="rate",
        ),
        chart(
            title="Revenue",
            periods=periods,
            values=[float(f.revenue) for f in figures],
            shown=format_money,
        ),
    ]
