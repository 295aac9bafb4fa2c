"""Cleaning what shoppers type before it reaches a query (HTML forms and the API)."""

from __future__ import annotations

import re

# NUL cannot be stored or compared in PostgreSQL text; other control characters
# are never meaningful in a search box.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value: str, *, max_length: int) -> str:
    """Drop control characters, trim, and cut to max_length."""
    return _CONTROL.sub("", value).strip()[:max_length]


def error_detail(errors: object) -> str:
    """DRF's nested validation errors as one sentence, for {"detail": "..."} answers."""
    if isinstance(errors, dict):
        for field_name, value in errors.items():
            message = error_detail(value)
            return message if field_name == "non_field_errors" else f"{field_name}: {message}"
    if isinstance(errors, list) and errors:
        return error_detail(errors[0])
    return str(errors) or "Invalid request."
