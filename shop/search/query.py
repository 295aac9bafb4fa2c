"""Query understanding: the words of a search that name a filter, and the rest.

"black casual shoes for men under 2k" -> colour Black, article type Casual Shoes,
gender Men, price at most 2000; no words left for the text channels. "size 9
running shoes" -> the sizes the catalog writes for 9 ("UK9"), in stock. Words are read
with the shared shopper vocabulary, so synonyms and typos count the same way as in
the assistant.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from shop.catalog.sizes import size_words
from shop.inputs import parse_decimal
from shop.search.filters import MAX_PRICE
from shop.search.vocabulary import COMMON_WORDS, Term, Vocabulary, normalise

# Vocabulary kind -> ProductFilters facet.
KIND_FACETS = {
    "article_type": "category",
    "brand": "brand",
    "colour": "colour",
    "gender": "gender",
    "usage": "usage",
    "season": "season",
}
# A typo-corrected word becomes a filter only when it is this close to a catalog word.
MIN_FILTER_CONFIDENCE = 0.75

_AMOUNT = r"(\d+(?:\.\d+)?)\s*(k)?"
# On normalised text ("₹1,500" reads "1 500"; amounts are re-joined first).
_PRICE_PATTERNS = (
    (
        re.compile(
            rf"\b(?:between|from)\s+(?:rs\s+|inr\s+)?{_AMOUNT}\s+(?:and|to)\s+"
            rf"(?:rs\s+|inr\s+)?{_AMOUNT}\b"
        ),
        "range",
    ),
    (re.compile(rf"\b(?:rs\s+|inr\s+)?{_AMOUNT}\s+to\s+(?:rs\s+|inr\s+)?{_AMOUNT}\b"), "range"),
    (
        re.compile(
            rf"\b(?:under|below|less than|cheaper than|upto|up to|within|max|at most)"
            rf"\s+(?:rs\s+|inr\s+|rupees\s+)?{_AMOUNT}(?:\s+(?:rs|rupees|inr))?\b"
        ),
        "max",
    ),
    (
        re.compile(
            rf"\b(?:over|above|more than|from|at least|min)"
            rf"\s+(?:rs\s+|inr\s+|rupees\s+)?{_AMOUNT}(?:\s+(?:rs|rupees|inr))?\b"
        ),
        "min",
    ),
)
_THOUSANDS = re.compile(r"\b(\d{1,2}) (\d{2}) (\d{3})\b|\b(\d{1,3}) (\d{3})\b")


def _amount(number: str, k: str | None) -> Decimal | None:
    """The amount, or None past what a price can be ("under 999...9" is not a filter)."""
    value = parse_decimal(number, low=Decimal(0), high=MAX_PRICE)
    if value is None or not k:
        return value
    return value * 1000 if value * 1000 <= MAX_PRICE else None


@dataclass
class Understanding:
    """What the words asked for: facet values, a price range, and the words left over."""

    facets: dict[str, tuple[str, ...]] = field(default_factory=dict)
    price_min: Decimal | None = None
    price_max: Decimal | None = None
    price_phrase: str = ""
    size_phrase: str = ""
    terms: list[Term] = field(default_factory=list)
    remaining: str = ""
    suggestion: str | None = None

    def facet_of(self, value: str) -> str | None:
        for facet, values in self.facets.items():
            if value in values:
                return facet
        return None

    def phrase_for(self, facet: str, value: str) -> str:
        """The shopper's words behind an understood value ("tees" for Tshirts)."""
        for term in self.terms:
            if KIND_FACETS[term.kind] == facet and term.value == value:
                return term.phrase
        return ""

    def is_empty(self) -> bool:
        # Understood sizes are in ``facets``.
        return not self.facets and self.price_min is None and self.price_max is None


def _join_thousands(text: str) -> str:
    # "1 500" (from "1,500") -> "1500"; "1 50 000" (Indian grouping) -> "150000".
    return _THOUSANDS.sub(lambda m: "".join(g for g in m.groups() if g), text)


def catalog_sizes(forms: list[str]) -> list[str]:
    """The sizes on sale written as one of ``forms`` (case and spaces aside)."""
    from django.db.models import Value
    from django.db.models.functions import Replace, Upper

    from shop.catalog.models import ProductVariant

    wanted = {form.upper().replace(" ", "") for form in forms}
    return list(
        ProductVariant.objects.filter(is_active=True, product__is_active=True)
        .annotate(compact=Upper(Replace("size", Value(" "), Value(""))))
        .filter(compact__in=wanted)
        .order_by("size")
        .values_list("size", flat=True)
        .distinct()
    )


def _take_size(normalised: str, result: Understanding) -> str:
    """Reads a size ("size 9", "uk 8", "xl") the catalog sells; returns the rest."""
    found = size_words(normalised)
    if found is None:
        return normalised
    phrase, forms = found
    sizes = catalog_sizes(forms)
    if not sizes:
        return normalised
    result.facets["size"] = tuple(sizes)
    result.size_phrase = phrase
    return " ".join(normalised.replace(phrase, " ", 1).split())


def understand(text: str, vocabulary: Vocabulary) -> Understanding:
    """Read filters out of a shopper's words (see the module docstring)."""
    normalised = _join_thousands(normalise(text))
    result = Understanding()
    normalised = _take_size(normalised, result)
    for pattern, kind in _PRICE_PATTERNS:
        match = pattern.search(normalised)
        if not match:
            continue
        numbers = [g for g in match.groups()]
        amounts = [_amount(numbers[i], numbers[i + 1]) for i in range(0, len(numbers), 2)]
        if None in amounts:
            break  # the words stay words
        if kind == "range":
            low, high = amounts
            result.price_min, result.price_max = min(low, high), max(low, high)
        elif kind == "max":
            result.price_max = amounts[0]
        else:
            result.price_min = amounts[0]
        result.price_phrase = match.group(0)
        normalised = (normalised[: match.start()] + " " + normalised[match.end() :]).strip()
        normalised = " ".join(normalised.split())
        break
    tokens = normalised.split()
    used = [False] * len(tokens)
    facets: dict[str, list[str]] = {}
    for term in vocabulary.find_terms(normalised):
        if term.corrected and term.confidence < MIN_FILTER_CONFIDENCE:
            continue
        result.terms.append(term)
        values = facets.setdefault(KIND_FACETS[term.kind], [])
        if term.value not in values:
            values.append(term.value)
        used[term.start : term.end] = [True] * (term.end - term.start)
    result.facets = {**result.facets, **{facet: tuple(v) for facet, v in facets.items()}}
    result.remaining = " ".join(
        token
        for token, is_used in zip(tokens, used, strict=True)
        if not is_used and token not in COMMON_WORDS
    )
    if any(t.corrected for t in result.terms) or result.remaining:
        result.suggestion = vocabulary.suggest(text)
    return result
