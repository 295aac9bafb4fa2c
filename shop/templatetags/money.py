from __future__ import annotations

from decimal import Decimal

from django import template

from shop.money import discount_percent, format_money

register = template.Library()


@register.filter(name="money")
def money_filter(amount: Decimal | None) -> str:
    """``{{ product.price|money }}`` → ``₹1,299`` in the shop's currency."""
    return format_money(amount)


@register.simple_tag
def percent_off(list_price: Decimal | None, price: Decimal | None) -> int | None:
    return discount_percent(list_price, price)
