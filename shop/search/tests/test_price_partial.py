"""partials/price.html: the one price block of cards and product pages."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.test import override_settings

from shop.catalog.models import Product

pytestmark = pytest.mark.django_db


def _price(**fields: object) -> str:
    product = Product.objects.get(external_id="1165")
    Product.objects.filter(pk=product.pk).update(**fields)
    product = Product.objects.for_display().get(pk=product.pk)
    return render_to_string("partials/price.html", {"product": product}).strip()


def test_a_missing_price_reads_price_unavailable():
    assert _price(price=None, list_price=None) == '<span class="muted">Price unavailable</span>'


def test_a_price_without_a_discount_is_just_the_price():
    html = _price(price=Decimal("1299.00"), list_price=Decimal("1299.00"))
    assert html == '<span class="price-now">₹1,299</span>'


def test_a_discount_strikes_the_list_price_through_and_says_how_much_off():
    html = _price(price=Decimal("1234567.00"), list_price=Decimal("2469134.00"))
    assert html == (
        '<span class="price-now">₹12,34,567</span> '
        '<s class="price-was" aria-label="was ₹24,69,134">₹24,69,134</s> '
        '<span class="price-off">50% off</span>'
    )


def test_a_list_price_below_the_price_is_not_shown_as_a_discount():
    assert "<s " not in _price(price=Decimal("599.01"), list_price=Decimal("500.00"))
    assert "₹599.01" in _price(price=Decimal("599.01"), list_price=None)


def test_a_product_whose_sizes_are_all_at_zero_says_out_of_stock():
    product = Product.objects.get(external_id="1165")
    product.variants.update(stock=0)
    assert _price(price=Decimal("999.00")).endswith('<span class="muted">· out of stock</span>')
    product.variants.update(stock=1)
    assert "out of stock" not in _price(price=Decimal("999.00"))


@override_settings(SHOP_CURRENCY="EUR")
def test_the_currency_setting_changes_the_symbol_and_grouping():
    assert _price(price=Decimal("1234567.50")) == '<span class="price-now">€1,234,567.50</span>'
