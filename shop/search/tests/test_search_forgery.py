"""Analytics a stranger cannot forge (issue 21, item 5): clicks bound to the session and
the results shown, logging rate-limited, popular searches by distinct shoppers with
results, raw rows rolled up and purged on a schedule."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from urllib.parse import unquote

import pytest
from django.core import signing
from django.test import Client
from django.utils import timezone

from shop.catalog.models import Product
from shop.search import attribution
from shop.search.analytics import popular_searches, suggestions
from shop.search.models import SearchDailyStat, SearchEvent, SearchQueryLog
from shop.search.rollup import search_log_rollup

pytestmark = pytest.mark.django_db


def _query_with_results() -> str:
    return Product.objects.order_by("id").first().category.name.lower()


def _search(client: Client, q: str) -> tuple[list[str], SearchQueryLog]:
    """The product links a results page shows, and its log row."""
    html = client.get("/", {"q": q}).content.decode()
    links = re.findall(r'href="(/products/[^"]+\?sid=[^"]+)" class="card-link"', html)
    return [link.replace("&amp;", "&") for link in links], SearchQueryLog.objects.latest("id")


def _product_of(link: str) -> Product:
    return Product.objects.get(pk=int(re.match(r"/products/(\d+)-", link).group(1)))


def test_a_result_link_is_the_product_page_and_counts_the_click_once(client: Client):
    links, log = _search(client, _query_with_results())
    assert links, "a search with results links its products with a click token"
    second = links[1]
    product = _product_of(second)
    assert second.split("?")[0] == product.get_absolute_url()

    response = client.get(second)
    client.get(second)  # opened again: still one click

    assert response.status_code == 200  # no redirect hop
    canonical = re.search(r'<link rel="canonical" href="([^"]+)"', response.content.decode())
    assert canonical.group(1).endswith(product.get_absolute_url())  # the token left out
    click = SearchEvent.objects.get(kind=SearchEvent.CLICK)
    assert (click.search_id, click.product_id, click.position) == (log.pk, product.pk, 2)
    log.refresh_from_db()
    assert log.clicked_product == product


def test_a_forged_foreign_or_swapped_token_counts_nothing(client: Client):
    links, log = _search(client, _query_with_results())
    token = unquote(links[0].split("?sid=")[1])
    product = _product_of(links[0])
    other = Product.objects.exclude(pk=product.pk).order_by("id").first()

    # Another product's page with this token, another session, an unsigned id, a
    # token signed with the wrong key: the pages still open, nothing is counted.
    assert client.get(other.get_absolute_url(), {"sid": token}).status_code == 200
    assert Client().get(links[0]).status_code == 200
    unsigned = signing.dumps([log.pk, other.pk, 1, ""], salt="x")
    assert client.get(other.get_absolute_url(), {"sid": unsigned}).status_code == 200
    assert client.get(other.get_absolute_url(), {"sid": f"{log.pk}"}).status_code == 200
    assert not SearchEvent.objects.exists()
    log.refresh_from_db()
    assert log.clicked_product is None


def test_the_click_endpoint_takes_a_signed_token_and_refuses_the_rest(client: Client):
    links, log = _search(client, _query_with_results())
    token = unquote(links[0].split("?sid=")[1])
    product = _product_of(links[0])

    assert (
        client.post("/search/click/", {"token": token, "product": product.pk + 1}).status_code
        == 400
    )
    assert (
        Client().post("/search/click/", {"token": token, "product": product.pk}).status_code == 400
    )
    assert client.post("/search/click/", {"token": "1", "product": "²"}).status_code == 400
    assert client.post("/search/click/", {"token": token, "product": product.pk}).status_code == 204
    assert SearchEvent.objects.get().product == product
    # The old unsigned URL opens the product and counts nothing.
    old = client.get(f"/search/click/{log.pk}/{product.pk}/")
    assert old.status_code == 301 and old["Location"] == product.get_absolute_url()
    assert SearchEvent.objects.count() == 1


def test_a_search_that_found_nothing_offers_nothing_to_click(client: Client):
    links, log = _search(client, "zzqxv wobblefrump")
    assert log.result_count == 0 and links == []


def test_logging_is_rate_limited_per_session_and_the_search_still_answers(client, settings):
    settings.SHOP_SEARCH_LOG_RATE_PER_MINUTE = 2
    q = _query_with_results()
    statuses = [client.get("/", {"q": f"{q} {n}"}).status_code for n in range(3)]
    assert statuses == [200, 200, 200]
    assert SearchQueryLog.objects.count() == 2
    html = client.get("/", {"q": q}).content.decode()
    assert "?sid=" not in html  # not logged: nothing to attribute
    # Another session from another address is not held back.
    Client(REMOTE_ADDR="198.51.100.7").get("/", {"q": q})
    assert SearchQueryLog.objects.count() == 3


def _log(query: str, *, shopper: str, results: int = 5, ago: timedelta = timedelta(0)):
    log = SearchQueryLog.objects.create(query=query, result_count=results, shopper=shopper)
    if ago:
        SearchQueryLog.objects.filter(pk=log.pk).update(created_at=timezone.now() - ago)
    return log


def test_popular_searches_count_distinct_shoppers_with_results(settings):
    settings.SHOP_POPULAR_SEARCH_MIN_SHOPPERS = 3
    for _ in range(10):  # one shopper (or script) repeating a phrase
        _log("kurta spam phrase", shopper="a")
    for shopper in "abc":
        _log("kurta for a wedding", shopper=shopper)
        _log("kurta nothing", shopper=shopper, results=0)
    for shopper in "abc":  # found things once, finds nothing now
        _log("kurta gone", shopper=shopper, ago=timedelta(hours=1))
    _log("kurta gone", shopper="d", results=0)
    _log("kurta", shopper="")  # no session: not a shopper anyone can count

    assert popular_searches(prefix="kurta") == ["kurta for a wedding"]
    offered = {(s.kind, s.label) for s in suggestions(text="kurta")}
    assert ("Popular search", "kurta for a wedding") in offered
    assert ("Popular search", "kurta spam phrase") not in offered
    assert ("Popular search", "kurta nothing") not in offered


def test_two_sessions_searching_a_phrase_do_not_make_it_popular(settings):
    settings.SHOP_POPULAR_SEARCH_MIN_SHOPPERS = 3
    q = _query_with_results()
    for _ in range(2):
        Client().get("/", {"q": q})
    assert q not in popular_searches(prefix=q[:3])
    Client().get("/", {"q": q})
    assert q in popular_searches(prefix=q[:3])
    shoppers = set(SearchQueryLog.objects.values_list("shopper", flat=True))
    assert len(shoppers) == 3 and all(len(s) == 32 for s in shoppers)


def test_old_raw_rows_are_rolled_up_into_daily_figures_and_purged(settings):
    settings.SHOP_SEARCH_LOG_KEEP_DAYS = 30
    product = Product.objects.order_by("id").first()
    old = [_log("kurta", shopper="a", ago=timedelta(days=40)) for _ in range(3)]
    _log("kurta", shopper="b", results=0, ago=timedelta(days=40))
    SearchEvent.objects.create(search=old[0], kind=SearchEvent.CLICK, product=product, position=3)
    SearchEvent.objects.create(search=old[1], kind=SearchEvent.CLICK, product=product, position=1)
    SearchEvent.objects.create(
        search=old[1], kind=SearchEvent.ORDER, product=product, revenue="999.00"
    )
    recent = _log("kurta", shopper="a", ago=timedelta(days=2))

    summary = search_log_rollup()

    assert (summary.days, summary.rows) == (1, 4)
    assert list(SearchQueryLog.objects.all()) == [recent]
    stat = SearchDailyStat.objects.get()
    assert (stat.query, stat.searches, stat.zero_results, stat.clicked_searches) == (
        "kurta",
        4,
        1,
        2,
    )
    assert (stat.clicks, stat.click_position_sum, stat.ordered_searches) == (2, 4, 1)
    assert str(stat.revenue) == "999.00"
    assert stat.day == timezone.localdate(timezone.now() - timedelta(days=40))
    assert search_log_rollup().days == 0  # nothing left to do


def test_the_rollup_runs_daily_on_the_task_engine():
    from procrastinate.contrib.django import app

    crons = {
        name: periodic.cron for (name, _), periodic in app.periodic_registry.periodic_tasks.items()
    }
    assert crons["shop.search.tasks.search_log_rollup"] == "41 3 * * *"


def test_a_click_token_expires_with_the_attribution_window(client, settings, monkeypatch):
    links, _log_row = _search(client, _query_with_results())
    token = unquote(links[0].split("?sid=")[1])
    ref = attribution.click_token_read(token)
    assert ref is not None and ref.position == 1
    settings.SHOP_SEARCH_ATTRIBUTION_HOURS = 1
    later = time.time() + 2 * 3600
    monkeypatch.setattr(time, "time", lambda: later)
    assert attribution.click_token_read(token) is None


def test_the_header_box_suggests_a_query_enough_shoppers_found_things_with(settings):
    settings.SHOP_POPULAR_SEARCH_MIN_SHOPPERS = 3
    q = _query_with_results()
    for n in range(3):
        Client(REMOTE_ADDR=f"192.0.2.{n + 1}").get("/", {"q": q})
    Client().get("/", {"q": f"{q} zzqxv wobblefrump"})  # found nothing: never suggested
    html = Client().get("/search/suggest/", {"q": q[:3]}).content.decode()
    assert "Popular search" in html and f">{q}<" in html
    assert "wobblefrump" not in html
