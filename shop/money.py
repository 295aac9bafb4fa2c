"""Money: one currency setting and one formatter for pages, API, admin and the assistant.

Amounts are ``Decimal``. Rupees are grouped the Indian way (₹12,34,567): the first
group of three digits, then groups of two; other currencies use groups of three.
Whole amounts drop the ".00" (₹1,299), others keep two decimals (₹599.01).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings

SYMBOLS = {"INR": "₹", "USD": "$", "EUR": "€", "GBP": "£"}
CENT = Decimal("0.01")


def currency_code() -> str:
    return settings.SHOP_CURRENCY


def _group(digits: str, *, indian: bool) -> str:
    if len(digits) <= 3:
        return digits
    head, tail = digits[:-3], digits[-3:]
    size = 2 if indian else 3
    groups = []
    while head:
        groups.insert(0, head[-size:])
        head = head[:-size]
    return ",".join([*groups, tail])


def format_money(amount: Decimal | int | float | str | None, currency: str | None = None) -> str:
    """``1299`` → ``"₹1,299"``; ``None`` → ``""`` (callers say "price unavailable")."""
    if amount is None or amount == "":
        return ""
    currency = currency or currency_code()
    value = Decimal(str(amount)).quantize(CENT, rounding=ROUND_HALF_UP)
    sign = "-" if value < 0 else ""
    whole, _, cents = f"{abs(value):.2f}".partition(".")
    text = _group(whole, indian=currency == "INR")
    if cents != "00":
        text = f"{text}.{cents}"
    symbol = SYMBOLS.get(currency)
    return f"{sign}{symbol}{text}" if symbol else f"{sign}{text} {currency}"


def discount_percent(list_price: Decimal | None, price: Decimal | None) -> int | None:
    """Whole percent off when the sale price is below the list price, else ``None``."""
    if list_price is None or price is None or list_price <= 0 or price >= list_price:
        return None
    off = (Decimal(1) - Decimal(price) / Decimal(list_price)) * 100
    percent = int(off.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return percent or None
