"""Every number a shopper types is parsed with bounds: a 400 or the value ignored, never 500."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from shop.cart.models import CartLine
from shop.cart.tests.factories import product_make, variant_of
from shop.inputs import parse_decimal, parse_int
from shop.search.filters import ProductFilters

pytestmark = pytest.mark.django_db

# What a hostile or careless shopper types where a number goes.
NUMBERISH = st.one_of(
    st.text(alphabet="0123456789eE+-.,_ ²³½١٢३४１２∞", max_size=40),
    st.sampled_from(
        ["1e-999999", "1E+999999", "NaN", "-Infinity", "sNaN", "9" * 30, "0x10", "²", "1_000"]
    ),
    st.integers().map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.text(max_size=20),
)
EXAMPLES = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# The results page runs a search per example: fewer of them.
FEWER = settings(EXAMPLES, max_examples=12)


def test_the_parsers_take_plain_digits_of_any_script_within_bounds():
    assert parse_int("१२") == 12 and parse_int("１２") == 12 and parse_int(" 7 ") == 7
    assert parse_int("²") is None and parse_int("1e3") is None and parse_int("9" * 20) is None
    assert parse_int("5", low=1, high=4) is None and parse_int(True) is None
    high = Decimal("99999999")
    assert parse_decimal("499.999", low=Decimal(0), high=high) == Decimal("500.00")
    for text in ("1e-999999", "NaN", "-1", "1" * 27, "1,500", "Infinity", ""):
        assert parse_decimal(text, low=Decimal(0), high=high) is None, text


def test_the_reported_numbers_get_an_answer_not_a_500(client: Client):
    product = product_make()
    assert client.get("/", {"price_min": "1e-999999"}).status_code == 200
    assert client.get("/api/products/", {"price_max": "1e-999999"}).status_code == 200
    assert client.get("/", {"q": "under " + "9" * 27}).status_code == 200
    response = client.post(
        "/cart/add/", {"product": "²", "variant": variant_of(product, "M").pk, "quantity": 1}
    )
    assert response.status_code == 400


def test_unicode_digits_are_read_as_the_numbers_they_are(client: Client):
    product = product_make()
    variant = variant_of(product, "M")
    data = {"product": str(product.pk), "variant": str(variant.pk), "quantity": "२"}
    assert client.post("/cart/add/", data).status_code == 302
    assert CartLine.objects.get().quantity == 2


def test_an_exponent_price_bound_is_dropped_not_sent_to_the_database():
    filters = ProductFilters.from_query(_query({"price_min": "1e-999999", "price_max": "1E+5"}))
    assert (filters.price_min, filters.price_max) == (None, None)
    assert ProductFilters.from_query(_query({"price_max": "१५००"})).price_max == 1500


def _query(params: dict[str, str]):
    from django.http import QueryDict

    query = QueryDict(mutable=True)
    query.update(params)
    return query


def _isolated(test):  # noqa: ANN001, ANN202
    """Each example in its own savepoint, rolled back: one 500 cannot poison the next."""
    import functools

    @functools.wraps(test)
    def run(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        savepoint = transaction.savepoint()
        try:
            return test(*args, **kwargs)
        finally:
            transaction.savepoint_rollback(savepoint)

    return run


@given(price_min=NUMBERISH, price_max=NUMBERISH, page=NUMBERISH, under=NUMBERISH, api=st.booleans())
@example(price_min="1e-999999", price_max="", page="1", under="9" * 27, api=False)
@example(price_min="", price_max="1e-999999", page="²", under="", api=True)
@FEWER
@_isolated
def test_results_page_and_api_filters_never_answer_500(price_min, price_max, page, under, api):
    client = Client(raise_request_exception=False)
    params = {"price_min": price_min, "price_max": price_max, "page": page}
    if api:
        response = client.get("/api/products/", params)
    else:
        response = client.get("/", {**params, "q": f"shirts under {under}"})
    assert response.status_code in (200, 400, 404), (params, response.status_code)


@pytest.fixture
def product_and_variant():
    product = product_make(stock=5)
    return product.pk, variant_of(product, "M").pk


@given(product=NUMBERISH, variant=NUMBERISH, quantity=NUMBERISH, real=st.booleans())
@example(product="²", variant="1", quantity="1", real=False)
@example(product="1", variant="1", quantity="९" * 30, real=False)
@EXAMPLES
@_isolated
def test_cart_forms_and_api_never_answer_500(product_and_variant, product, variant, quantity, real):
    client = Client(raise_request_exception=False)
    if real:
        product, variant = (str(pk) for pk in product_and_variant)
    form = client.post("/cart/add/", {"product": product, "variant": variant, "quantity": quantity})
    assert form.status_code in (302, 400, 409), form.status_code
    api = client.post(
        "/api/cart/lines/",
        {"product": product, "variant": variant, "quantity": quantity},
        content_type="application/json",
    )
    assert api.status_code in (201, 400, 409), api.status_code
    line = CartLine.objects.filter(cart__pk=client.session.get("cart_id")).first()
    line_id = line.pk if line else 1
    update = client.post(f"/cart/lines/{line_id}/update/", {"quantity": quantity})
    assert update.status_code in (302, 400, 404, 409), update.status_code
    api_update = client.post(
        f"/api/cart/lines/{line_id}/update/",
        {"quantity": quantity},
        content_type="application/json",
    )
    assert api_update.status_code in (200, 400, 404, 409), api_update.status_code
