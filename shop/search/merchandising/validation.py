"""Whether a rule can work, field by field: one check for the admin and the API."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError

from shop.search.merchandising.placing import RULE_FILTERS, RULE_PRICES, rule_filters
from shop.search.models import MerchandisingRule
from shop.search.vocabulary import normalise

Rule = MerchandisingRule
MAX_WEIGHT = Decimal(100)
_ZERO = Decimal(0)


def _filter_errors(value: object) -> str:
    """Why a boost's or bury's filters are not usable; empty when they are."""
    from shop.search.filters import filter_values_unknown

    if not isinstance(value, dict) or not value:
        return 'Give at least one filter, e.g. {"brand": ["Puma"]}.'
    unknown = [key for key in value if key not in (*RULE_FILTERS, *RULE_PRICES)]
    if unknown:
        allowed = ", ".join((*RULE_FILTERS, *RULE_PRICES))
        return f"Unknown filter {unknown[0]!r}; use {allowed}."
    for name in RULE_FILTERS:
        if name not in value:
            continue
        values = value[name]
        values = [values] if isinstance(values, str) else values
        if (
            not isinstance(values, list)
            or not values
            or not all(isinstance(v, str) and v.strip() for v in values)
        ):
            return f"{name}: give a value or a list of values."
    for name in RULE_PRICES:
        if name in value and (
            isinstance(value[name], bool)
            or not isinstance(value[name], int | float | str)
            or not _is_price(value[name])
        ):
            return f"{name}: give an amount (a number, 0 or more)."
    filters = rule_filters(Rule(filters=value))
    if (
        filters.price_min is not None
        and filters.price_max is not None
        and filters.price_min > filters.price_max
    ):
        return "price_min is above price_max."
    missing = filter_values_unknown(filters=filters)
    if missing:
        name, values = next(iter(missing.items()))
        return f"The catalog has no {name} {', '.join(values)}."
    return ""


def _is_price(value: object) -> bool:
    try:
        price = Decimal(str(value))
    except ArithmeticError:
        return False
    return price.is_finite() and _ZERO <= price <= Decimal("99999999")


def rule_validate(rule: Rule) -> None:
    """Raise ValidationError naming each field a rule gets wrong (admin and API)."""
    errors: dict[str, str] = {}
    if not rule.query.strip() and rule.category_id is None:
        errors["query"] = "Give the words, an article type, or both."
    if rule.query.strip() and not normalise(rule.query):
        errors["query"] = "Give words with letters or digits."
    if rule.action in (Rule.PIN, Rule.HIDE) and rule.product_id is None:
        errors["product"] = f"Choose the product to {rule.action}."
    if rule.action == Rule.PIN and not rule.position:
        errors["position"] = "Give the position to pin at (1 is first)."
    if rule.action in (Rule.BOOST, Rule.BURY):
        if rule.weight is None or not (_ZERO < rule.weight <= MAX_WEIGHT):
            errors["weight"] = f"Give a weight above 0 and at most {MAX_WEIGHT}."
        message = _filter_errors(rule.filters)
        if message:
            errors["filters"] = message
    if rule.starts_at and rule.ends_at and rule.ends_at <= rule.starts_at:
        errors["ends_at"] = "End after the start."
    if errors:
        raise ValidationError(errors)
