"""The merchant's search dashboard: what searches found and what they led to.

Figures come from the raw log (``SearchQueryLog`` and its ``SearchEvent`` rows) for
recent days and from the daily roll-ups (``SearchDailyStat``) for older ones; a day is
in one or the other, never both (``search_rollup``). Definitions (README, "Search
analytics"):

- a **search**: a logged results page (its later pages are the same search), category
  or filtered page, or API search;
- a **click**: a result opened from that search, in the session that searched, with the
  result's signed token (one per product per search); CTR = searches with a click /
  searches; mean click position over all clicks (1 = first result);
- an **add-to-cart**: a product added to the cart within SHOP_SEARCH_ATTRIBUTION_HOURS
  of its last click, counted for the search of that click; add-to-cart rate = searches
  with one / searches;
- a **conversion**: an order with a line added to that cart from the search within the
  window; conversion rate = searches with one / searches; **revenue**: those lines'
  totals less voucher discounts (delivery aside, cancellations not subtracted).

Everything counts on the day of the search, in the shop's time zone.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import (
    Count,
    DecimalField,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, TruncDate, TruncWeek
from django.utils import timezone

from shop.search.models import SearchDailyStat, SearchEvent, SearchQueryLog

BUCKETS = ("day", "week")
# A query needs this many searches before its CTR is called low.
LOW_CTR_MIN_SEARCHES = 5
WORST = 10


@dataclass
class Figures:
    searches: int = 0
    zero_results: int = 0
    clicked_searches: int = 0
    clicks: int = 0
    click_position_sum: int = 0
    carted_searches: int = 0
    ordered_searches: int = 0
    revenue: Decimal = Decimal(0)

    def add(self, row: dict) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + (row.get(f.name) or 0))

    @property
    def zero_rate(self) -> float:
        return self.zero_results / self.searches if self.searches else 0.0

    @property
    def click_through(self) -> float:
        return self.clicked_searches / self.searches if self.searches else 0.0

    @property
    def mean_position(self) -> float | None:
        return self.click_position_sum / self.clicks if self.clicks else None

    @property
    def add_to_cart_rate(self) -> float:
        return self.carted_searches / self.searches if self.searches else 0.0

    @property
    def conversion_rate(self) -> float:
        return self.ordered_searches / self.searches if self.searches else 0.0


FIGURE_NAMES = [f.name for f in fields(Figures)]


def _events(kind: str) -> QuerySet[SearchEvent]:
    return SearchEvent.objects.filter(search=OuterRef("pk"), kind=kind)


def _sum_of(kind: str, column: str, output: IntegerField | DecimalField) -> Coalesce:
    total = (
        _events(kind)
        .order_by()
        .values("search")
        .annotate(total=Sum(column) if column != "id" else Count("id"))
        .values("total")
    )
    return Coalesce(Subquery(total, output_field=output), Value(0), output_field=output)


def raw_figures(logs: QuerySet[SearchQueryLog], *, group_by: dict) -> list[dict]:
    """The figures of logged searches, grouped by ``group_by`` (name: expression)."""
    money = DecimalField(max_digits=14, decimal_places=2)
    number = IntegerField()
    annotated = logs.order_by().annotate(
        _clicked=Exists(_events(SearchEvent.CLICK)),
        _carted=Exists(_events(SearchEvent.CART)),
        _ordered=Exists(_events(SearchEvent.ORDER)),
        _clicks=_sum_of(SearchEvent.CLICK, "id", number),
        _positions=_sum_of(SearchEvent.CLICK, "position", number),
        _revenue=_sum_of(SearchEvent.ORDER, "revenue", money),
    )
    return list(
        annotated.annotate(**group_by)
        .values(*group_by)
        .annotate(
            searches=Count("id"),
            zero_results=Count("id", filter=Q(result_count=0)),
            clicked_searches=Count("id", filter=Q(_clicked=True)),
            clicks=Sum("_clicks"),
            click_position_sum=Sum("_positions"),
            carted_searches=Count("id", filter=Q(_carted=True)),
            ordered_searches=Count("id", filter=Q(_ordered=True)),
            revenue=Sum("_revenue"),
        )
    )


def rolled_figures(stats: QuerySet[SearchDailyStat], *, group_by: dict) -> list[dict]:
    return list(
        stats.order_by()
        .annotate(**group_by)
        .values(*group_by)
        .annotate(**{name: Sum(name) for name in FIGURE_NAMES})
    )


@dataclass
class QueryRow:
    query: str
    figures: Figures


@dataclass
class Dashboard:
    since: datetime
    until: datetime
    bucket: str
    total: Figures
    series: list[tuple[date, Figures]]
    queries: list[QueryRow]  # searches with words, most searched first
    categories: list[QueryRow]  # category pages, by article type

    @property
    def worst_zero(self) -> list[QueryRow]:
        rows = [r for r in self.queries if r.figures.zero_results]
        return sorted(rows, key=lambda r: (-r.figures.zero_results, r.query))[:WORST]

    @property
    def worst_ctr(self) -> list[QueryRow]:
        rows = [
            r
            for r in self.queries
            if r.figures.searches >= LOW_CTR_MIN_SEARCHES
            and r.figures.searches > r.figures.zero_results
        ]
        return sorted(rows, key=lambda r: (r.figures.click_through, -r.figures.searches, r.query))[
            :WORST
        ]


def _bucket_start(day: date, bucket: str) -> date:
    return day - timedelta(days=day.weekday()) if bucket == "week" else day


def _as_date(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def search_dashboard(*, days: int, bucket: str = "day", now: datetime | None = None) -> Dashboard:
    """Figures over the last ``days`` days (whole days in the shop's time zone): the
    total, a series by day or week, per query and per category page."""
    zone = timezone.get_current_timezone()
    now = timezone.localtime(now or timezone.now(), zone)
    first_day = now.date() - timedelta(days=days - 1)
    since = datetime.combine(first_day, datetime.min.time(), tzinfo=zone)
    logs = SearchQueryLog.objects.filter(created_at__gte=since, created_at__lte=now)
    stats = SearchDailyStat.objects.filter(day__gte=first_day, day__lte=now.date())
    trunc = TruncWeek if bucket == "week" else TruncDate
    by_time_raw = {"period": trunc("created_at", tzinfo=zone)}
    by_time_rolled = {"period": TruncWeek("day") if bucket == "week" else TruncDate("day")}
    key = {"query_key": Coalesce("query", Value("")), "source_key": Coalesce("source", Value(""))}

    series: dict[date, Figures] = {}
    day = _bucket_start(first_day, bucket)
    while day <= now.date():
        series[day] = Figures()
        day += timedelta(days=7 if bucket == "week" else 1)
    total = Figures()
    for row in [
        *raw_figures(logs, group_by=by_time_raw),
        *rolled_figures(stats, group_by=by_time_rolled),
    ]:
        period = _bucket_start(_as_date(row["period"]), bucket)
        series.setdefault(period, Figures()).add(row)
        total.add(row)

    queries: dict[str, Figures] = {}
    categories: dict[str, Figures] = {}
    grouped = {**key, "category_key": Coalesce("category", Value(""))}
    for row in [
        *raw_figures(logs, group_by=grouped),
        *rolled_figures(stats, group_by=grouped),
    ]:
        if row["query_key"]:
            queries.setdefault(row["query_key"], Figures()).add(row)
        elif row["source_key"] == SearchQueryLog.CATEGORY and row["category_key"]:
            categories.setdefault(row["category_key"], Figures()).add(row)
    return Dashboard(
        since=since,
        until=now,
        bucket=bucket,
        total=total,
        series=sorted(series.items()),
        queries=_ranked(queries),
        categories=_ranked(categories),
    )


def _ranked(rows: dict[str, Figures]) -> list[QueryRow]:
    return [
        QueryRow(query, figures)
        for query, figures in sorted(rows.items(), key=lambda kv: (-kv[1].searches, kv[0]))
    ]


CSV_HEADER = [
    "searches",
    "zero-result rate",
    "click-through rate",
    "mean click position",
    "add-to-cart rate",
    "conversion rate",
    "revenue",
]


def _csv_cell(text: str) -> str:
    # A shopper's words opened in a spreadsheet must not run as a formula.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _csv_figures(figures: Figures) -> list[str]:
    position = figures.mean_position
    return [
        str(figures.searches),
        f"{figures.zero_rate:.4f}",
        f"{figures.click_through:.4f}",
        "" if position is None else f"{position:.2f}",
        f"{figures.add_to_cart_rate:.4f}",
        f"{figures.conversion_rate:.4f}",
        f"{figures.revenue:.2f}",
    ]


def dashboard_csv(dashboard: Dashboard) -> str:
    """Per period, then per query and category page: one table, a ``kind`` column apart."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["kind", "key", *CSV_HEADER])
    for period, figures in dashboard.series:
        writer.writerow([dashboard.bucket, period.isoformat(), *_csv_figures(figures)])
    for row in dashboard.queries:
        writer.writerow(["query", _csv_cell(row.query), *_csv_figures(row.figures)])
    for row in dashboard.categories:
        writer.writerow(["category page", _csv_cell(row.query), *_csv_figures(row.figures)])
    return out.getvalue()
