"""Housekeeping of the search log: old raw rows become daily figures, then go.

Run by a periodic task (``shop/search/tasks.py``). Each whole day (shop time zone)
older than SHOP_SEARCH_LOG_KEEP_DAYS is rolled up into ``SearchDailyStat`` and its
raw rows (and their events) deleted in one transaction, so a run killed halfway leaves
every day either raw or rolled up, and a second run finds nothing left to do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from shop.search.dashboard import FIGURE_NAMES, raw_figures
from shop.search.models import SearchDailyStat, SearchQueryLog


@dataclass
class RollupSummary:
    days: int = 0
    rows: int = 0
    figures: int = 0

    def lines(self) -> list[str]:
        return [
            f"Search log: {self.days} days rolled up ({self.rows} raw searches deleted, "
            f"{self.figures} daily figures written)"
        ]


def _day_range(day: date) -> tuple[datetime, datetime]:
    zone = timezone.get_current_timezone()
    start = datetime.combine(day, datetime.min.time(), tzinfo=zone)
    return start, datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=zone)


def search_log_rollup(
    *, keep_days: int | None = None, now: datetime | None = None
) -> RollupSummary:
    """Roll up and delete the raw search rows of whole days older than ``keep_days``."""
    keep_days = settings.SHOP_SEARCH_LOG_KEEP_DAYS if keep_days is None else keep_days
    zone = timezone.get_current_timezone()
    today = timezone.localtime(now or timezone.now(), zone).date()
    cutoff, _ = _day_range(today - timedelta(days=keep_days))
    days = sorted(
        SearchQueryLog.objects.filter(created_at__lt=cutoff)
        .order_by()  # not by time: one row per day
        .annotate(day=TruncDate("created_at", tzinfo=zone))
        .values_list("day", flat=True)
        .distinct()
    )
    summary = RollupSummary()
    for day in days:
        start, end = _day_range(day)
        with transaction.atomic():
            logs = SearchQueryLog.objects.filter(created_at__gte=start, created_at__lt=end)
            rows = raw_figures(
                logs,
                group_by={
                    "key_source": F("source"),
                    "key_query": Coalesce("query", Value("")),
                    "key_category": Coalesce("category", Value("")),
                },
            )
            for row in rows:
                stat, _created = SearchDailyStat.objects.select_for_update().get_or_create(
                    day=day,
                    source=row["key_source"],
                    query=row["key_query"],
                    category=row["key_category"],
                )
                # Added, not set: rows logged late for a day already rolled up still count.
                for name in FIGURE_NAMES:
                    setattr(stat, name, getattr(stat, name) + (row[name] or 0))
                stat.save()
            _count, deleted = logs.delete()  # their events go with them (CASCADE)
        summary.days += 1
        summary.rows += deleted.get(SearchQueryLog._meta.label, 0)
        summary.figures += len(rows)
    return summary
