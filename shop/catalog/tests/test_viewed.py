from __future__ import annotations

from django.http import HttpResponse
from django.test import RequestFactory

from shop.catalog.viewed import COOKIE, MAX_VIEWED, viewed_ids, viewed_record


def _after(cookies: dict[str, str], product_id: int) -> dict[str, str]:
    request = RequestFactory().get("/")
    request.COOKIES.update(cookies)
    response = HttpResponse()
    viewed_record(request, response, product_id)
    return {COOKIE: response.cookies[COOKIE].value}


def _ids(cookies: dict[str, str]) -> list[int]:
    request = RequestFactory().get("/")
    request.COOKIES.update(cookies)
    return viewed_ids(request)


def test_views_are_kept_newest_first_once_each_and_capped():
    cookies: dict[str, str] = {}
    for product_id in (1, 2, 3, 1):
        cookies = _after(cookies, product_id)
    assert _ids(cookies) == [1, 3, 2]
    for product_id in range(100, 100 + MAX_VIEWED + 5):
        cookies = _after(cookies, product_id)
    assert len(_ids(cookies)) == MAX_VIEWED and _ids(cookies)[0] == 100 + MAX_VIEWED + 4


def test_a_forged_or_garbled_cookie_reads_as_nothing_viewed():
    assert _ids({COOKIE: "1,2,3"}) == []  # unsigned
    signed = _after({}, 7)[COOKIE]
    assert _ids({COOKIE: signed.replace("7", "8", 1)}) == []
    assert _ids({}) == []
