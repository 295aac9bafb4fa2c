"""The merchant's search dashboard (issue 18, part 4): per query and over time, worst
queries, SVG charts, CSV export; the same figures before and after the roll-up."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client
from django.utils import timezone

from shop.catalog.models import Product
from shop.search.dashboard import search_dashboard
from shop.search.models import SearchEvent, SearchQueryLog
from shop.search.rollup import search_log_rollup

pytestmark = pytest.mark.django_db

URL = "/admin/search/searchquerylog/report/"


def _search(query: str, *, results: int = 5, days_ago: int = 0, **events) -> SearchQueryLog:
    """A logged search and what it led to: clicks=[positions], cart=True, revenue=..."""
    log = SearchQueryLog.objects.create(query=query, result_count=results, shopper="s")
    if days_ago:
        SearchQueryLog.objects.filter(pk=log.pk).update(
            created_at=timezone.now() - timedelta(days=days_ago)
        )
    products = list(Product.objects.order_by("id")[:5])
    for product, position in zip(products, events.get("clicks", []), strict=False):
        SearchEvent.objects.create(
            search=log, kind=SearchEvent.CLICK, product=product, position=position
        )
    if events.get("cart"):
        SearchEvent.objects.create(search=log, kind=SearchEvent.CART, product=products[0])
    if events.get("revenue"):
        SearchEvent.objects.create(
            search=log,
            kind=SearchEvent.ORDER,
            product=products[0],
            order_id=log.pk,
            revenue=Decimal(events["revenue"]),
        )
    return log


@pytest.fixture
def history():
    _search("kurta", clicks=[1, 3], cart=True, revenue="1500.00")
    _search("kurta", clicks=[2])
    _search("kurta")
    _search("kurta", results=0)
    for _ in range(5):
        _search("saree")  # found things, never clicked
    _search("spaceship", results=0)
    _search("spaceship", results=0, days_ago=3)
    _search("kurta", clicks=[5], days_ago=3, revenue="700.00")


def test_figures_per_query_follow_the_documented_definitions(history):
    dashboard = search_dashboard(days=7)
    kurta = next(r.figures for r in dashboard.queries if r.query == "kurta")
    assert kurta.searches == 5
    assert kurta.zero_rate == 1 / 5
    assert kurta.click_through == 3 / 5  # searches with a click / searches
    assert kurta.mean_position == (1 + 3 + 2 + 5) / 4  # over all clicks
    assert kurta.add_to_cart_rate == 1 / 5
    assert kurta.conversion_rate == 2 / 5
    assert kurta.revenue == Decimal("2200.00")
    assert [r.query for r in dashboard.worst_zero] == ["spaceship", "kurta"]
    assert [r.query for r in dashboard.worst_ctr] == ["saree", "kurta"]
    assert dashboard.total.searches == 12
    today = timezone.localdate()
    by_day = dict(dashboard.series)
    assert by_day[today].searches == 10 and by_day[today - timedelta(days=3)].searches == 2
    assert len(dashboard.series) == 7
    assert len(search_dashboard(days=30, bucket="week").series) in (5, 6)


def test_the_figures_are_the_same_after_old_days_are_rolled_up(history, settings):
    before = search_dashboard(days=30)
    settings.SHOP_SEARCH_LOG_KEEP_DAYS = 8
    now = timezone.now() + timedelta(days=7)  # the 3-day-old searches are now 10 days old
    assert search_log_rollup(now=now).rows == 2
    after = search_dashboard(days=30)
    assert after.total == before.total
    assert {r.query: r.figures for r in after.queries} == {
        r.query: r.figures for r in before.queries
    }
    assert dict(after.series) == dict(before.series)


def test_the_admin_dashboard_shows_charts_tables_and_exports_csv(admin_client: Client, history):
    response = admin_client.get(URL, {"days": "30", "bucket": "week"})
    content = response.content.decode()
    assert response.status_code == 200
    assert content.count('data-testid="chart"') == 5 and "<svg" in content
    assert "<script" not in content.split('data-testid="search-report"')[1]
    top = content.split('id="top-queries"')[1].split("</table>")[0]
    assert "<td>kurta</td><td>5</td><td>20%</td><td>60%</td><td>2.8</td>" in top
    assert "spaceship" in content.split('id="zero-queries"')[1].split("</table>")[0]
    assert "saree" in content.split('id="low-ctr-queries"')[1].split("</table>")[0]

    export = admin_client.get(URL, {"days": "30", "format": "csv"})
    assert export["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(export.content.decode())))
    assert rows[0][:3] == ["kind", "key", "searches"]
    kurta = next(row for row in rows if row[:2] == ["query", "kurta"])
    assert kurta[2:] == ["5", "0.2000", "0.6000", "2.75", "0.2000", "0.4000", "2200.00"]
    assert admin_client.get(URL, {"days": "%00", "bucket": "<b>"}).status_code == 200


def test_a_shoppers_words_cannot_run_as_a_spreadsheet_formula(admin_client: Client):
    _search("=HYPERLINK(1)")
    rows = admin_client.get(URL, {"format": "csv"}).content.decode()
    assert "'=HYPERLINK(1)" in rows and "\n=HYPERLINK" not in rows.replace("query,", "\n")


def test_the_dashboard_needs_the_view_permission(client: Client):
    staff = User.objects.create_user("clerk", password="pw", is_staff=True)
    client.force_login(staff)
    assert client.get(URL).status_code == 403
    staff.user_permissions.add(Permission.objects.get(codename="view_searchquerylog"))
    assert client.get(URL).status_code == 200
    assert Client().get(URL).status_code == 302
