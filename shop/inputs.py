"""Cleaning what shoppers type before it reaches a query (HTML forms and the API)."""

from __future__ import annotations

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal

from django import forms
from rest_framework import serializers

# NUL cannot be stored or compared in PostgreSQL text; other control characters
# are never meaningful in a search box.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value: str, *, max_length: int) -> str:
    """Drop control characters, trim, and cut to max_length."""
    return _CONTROL.sub("", value).strip()[:max_length]


def one_line(text: str) -> str:
    """What a shopper typed, for e-mails and labels: no line of its own."""
    return " ".join(text.split())


def error_detail(errors: object) -> str:
    """DRF's nested validation errors as one sentence, for {"detail": "..."} answers."""
    if isinstance(errors, dict):
        for field_name, value in errors.items():
            message = error_detail(value)
            return message if field_name == "non_field_errors" else f"{field_name}: {message}"
    if isinstance(errors, list) and errors:
        return error_detail(errors[0])
    return str(errors) or "Invalid request."


# Numbers a shopper types (prices, ids, quantities) go through ``parse_int`` and
# ``parse_decimal``: plain digits only, bounded in length and value, so no exponent
# ("1e-999999" is a valid Decimal that PostgreSQL refuses), no 27-digit amount that
# Decimal arithmetic cannot quantize, and no "²" (``isdigit()`` is true, ``int()``
# raises). Decimal digits of any script (Devanagari १२, full-width １２) count as 0-9.
MAX_ID = 2**63 - 1  # a BigAutoField
_MAX_NUMBER_CHARS = 40
_INTEGER = re.compile(r"[+-]?[0-9]{1,19}")
_DECIMAL = re.compile(r"[0-9]{1,15}(?:\.[0-9]{0,8})?|\.[0-9]{1,8}")


def _number_text(value: object) -> str:
    """The typed number with its digits in ASCII, or "" when it cannot be one."""
    if not isinstance(value, str | int) or isinstance(value, bool):
        return ""
    text = str(value).strip()
    if len(text) > _MAX_NUMBER_CHARS:
        return ""
    return "".join(str(unicodedata.decimal(c)) if c.isdecimal() else c for c in text)


def parse_int(value: object, *, low: int = -MAX_ID, high: int = MAX_ID) -> int | None:
    """A whole number within [low, high] from what a shopper typed, else None."""
    text = _number_text(value)
    if not _INTEGER.fullmatch(text):
        return None
    number = int(text)
    return number if low <= number <= high else None


def parse_decimal(value: object, *, low: Decimal, high: Decimal, places: int = 2) -> Decimal | None:
    """A non-negative amount within [low, high], rounded to ``places``, else None."""
    text = _number_text(value)
    if not _DECIMAL.fullmatch(text):
        return None
    number = Decimal(text).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return number if low <= number <= high else None


class WholeNumberField(forms.IntegerField):
    """A form's IntegerField read with ``parse_int`` (min_value/max_value still apply)."""

    def to_python(self, value: object) -> int | None:
        if value in self.empty_values:
            return None
        number = parse_int(value)
        if number is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return number


class WholeNumberSerializerField(serializers.IntegerField):
    """The API's IntegerField read with ``parse_int`` (JSON numbers or digit strings)."""

    def to_internal_value(self, data: object) -> int:
        number = parse_int(data)
        if number is None:
            self.fail("invalid")
        return number
