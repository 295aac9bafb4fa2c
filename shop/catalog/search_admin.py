"""The search log in the admin, and the merchant's search dashboard beside it."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path

from shop.catalog.charts import chart
from shop.catalog.models import SearchQueryLog
from shop.catalog.search_dashboard import (
    BUCKETS,
    LOW_CTR_MIN_SEARCHES,
    Dashboard,
    dashboard_csv,
    search_dashboard,
)
from shop.money import format_money

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
    change_list_template = "admin/catalog/searchquerylog/change_list.html"

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
        return TemplateResponse(request, "admin/catalog/search_report.html", context)


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
