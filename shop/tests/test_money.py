from __future__ import annotations

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.test import override_settings

from shop.money import discount_percent, format_money


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (Decimal("1299"), "₹1,299"),
        (Decimal("999"), "₹999"),
        (Decimal("599.01"), "₹599.01"),
        (Decimal("12045.00"), "₹12,045"),
        (Decimal("1234567"), "₹12,34,567"),
        (Decimal("123456789.5"), "₹12,34,56,789.50"),
        (0, "₹0"),
    ],
)
def test_rupees_are_grouped_the_indian_way(amount, text):
    assert format_money(amount, "INR") == text


def test_other_currencies_are_grouped_in_thousands():
    assert format_money(Decimal("1234567.5"), "USD") == "$1,234,567.50"


def test_a_missing_amount_formats_as_nothing():
    assert format_money(None) == ""


@override_settings(SHOP_CURRENCY="EUR")
def test_the_template_filter_uses_the_currency_setting():
    html = Template("{% load money %}{{ amount|money }}").render(Context({"amount": 2500}))
    assert html == "€2,500"


def test_discount_percent_rounds_to_whole_percent_and_ignores_no_discount():
    assert discount_percent(Decimal("1999"), Decimal("1399")) == 30
    assert discount_percent(Decimal("1999"), Decimal("1999")) is None
    assert discount_percent(None, Decimal("10")) is None
