"""Sizes as the catalog writes them: their order on the page and the shopper's size words.

The catalog writes sizes many ways ("M", "XL/44", "UK9", "EURO42", "US8.5", "34B",
"2-3Y", "One size"). The Size facet lists them grouped (letter sizes S, M, L, XL in
that order, then waist and other numbers, UK, EURO and US shoe sizes, cup sizes,
children's ages, "One size", anything else) and each group in its natural order.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from shop.catalog.models import ONE_SIZE

LETTERS = ("XXS", "XS", "S", "M", "L", "XL", "XXL", "XXXL", "4XL", "5XL")
_LETTER_ALIASES = {"2XL": "XXL", "3XL": "XXXL", "XXXXL": "4XL"}
GROUPS = ("Letter", "Number", "UK", "EURO", "US", "Cup", "Age", "One size", "Other")

_REGIONAL = re.compile(r"^(UK|EURO|EU|US)\s*(\d+(?:\.\d+)?)$")
_NUMBER = re.compile(r"^\d+(?:\.\d+)?$")
_CUP = re.compile(r"^(\d{2})([A-H]{1,2})$")
_AGE = re.compile(r"^(\d+)(?:\s*-\s*(\d+))?\s*(Y|YRS|YEARS|M|MONTHS)$")
_LETTER_WITH_NUMBER = re.compile(r"^([A-Z0-9]+)/\d+$")


def _number(text: str) -> Decimal:
    try:
        return Decimal(text)
    except InvalidOperation:
        return Decimal(0)


def _letter(size: str) -> str | None:
    size = _LETTER_ALIASES.get(size, size)
    return size if size in LETTERS else None


def size_group(size: str) -> str:
    return GROUPS[size_key(size)[0]]


def size_key(size: str) -> tuple[int, Decimal, Decimal, str]:
    """Sorts sizes by group, then naturally within the group; the text breaks ties."""
    text = size.strip().upper()
    compact = text.replace(" ", "")
    with_number = _LETTER_WITH_NUMBER.match(compact)
    letter = _letter(with_number.group(1) if with_number else compact)
    if letter is not None:
        return (0, Decimal(LETTERS.index(letter)), Decimal(0), size)
    if _NUMBER.match(compact):
        return (1, _number(compact), Decimal(0), size)
    regional = _REGIONAL.match(compact)
    if regional:
        region = "EURO" if regional.group(1) == "EU" else regional.group(1)
        return (GROUPS.index(region), _number(regional.group(2)), Decimal(0), size)
    cup = _CUP.match(compact)
    if cup:
        return (5, _number(cup.group(1)), Decimal("ABCDEFGH".index(cup.group(2)[0])), size)
    age = _AGE.match(compact)
    if age:
        months = 1 if age.group(3).startswith("M") else 12
        low = _number(age.group(1)) * months
        high = _number(age.group(2)) * months if age.group(2) else low
        return (6, low, high, size)
    if size == ONE_SIZE or compact in {"ONESIZE", "FREESIZE", "ONESIZEFITSALL"}:
        return (7, Decimal(0), Decimal(0), size)
    return (8, Decimal(0), Decimal(0), size)


# "size 9", "size m", "uk 9", "euro 42", "us 8.5" (normalised text: "us 8 5"), "xl", "xxl".
_SIZE_WORDS = re.compile(
    r"\b(?:(?:size|sz)\s+(?:(uk|us|euro|eu)\s*)?([a-z0-9]{1,5})(?:\s(5))?"
    r"|(uk|us|euro|eu)\s*(\d{1,2})(?:\s(5))?"
    r"|(xxs|xs|xl|xxl|xxxl|2xl|3xl))\b"
)


def size_words(normalised: str) -> tuple[str, list[str]] | None:
    """(phrase, how the catalog may write it) for the first size a shopper's words name.

    "size 9" may be written "9" or "UK9" (the shop's shoe sizes are UK unless named);
    "size m" is "M"; "us 8 5" is "US8.5". None when the words name no size.
    """
    match = _SIZE_WORDS.search(normalised)
    if match is None:
        return None
    region, value, half = match.group(1), match.group(2), match.group(3)
    if region is None and value is None:
        region, value, half = match.group(4), match.group(5), match.group(6)
    if value is None:
        letter = match.group(7).upper()
        return match.group(0), [letter, _LETTER_ALIASES.get(letter, letter)]
    value = value.upper() + (".5" if half else "")
    if region:
        region = "EURO" if region == "eu" else region.upper()
        return match.group(0), [f"{region}{value}", f"{region} {value}"]
    forms = [value]
    if _NUMBER.match(value):
        forms.append(f"UK{value}")
    elif value in _LETTER_ALIASES:
        forms.append(_LETTER_ALIASES[value])
    return match.group(0), forms
