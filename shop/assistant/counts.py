"""Numbers in a message: how many items, which numbers are sizes or prices, the budget."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation

from shop.assistant.language import read_words

NUMBER_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "a couple": 2,
    "couple": 2,
    "a pair": 1,
    "a dozen": 12,
    "dozen": 12,
    "single": 1,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "fifty": 50,
    "hundred": 100,
}
QUANTIFIERS = frozenset(
    {
        "a few",
        "few",
        "some",
        "several",
        "options",
        "option",
        "pairs",
        "choices",
        "ideas",
        "alternatives",
        "suggestions",
        "variety",
        "selection",
        "any",
    }
)
# Words that may sit between a number and what it counts ("two pairs of shoes").
COUNT_NOUNS = frozenset(
    {
        "pairs",
        "pair",
        "options",
        "option",
        "of",
        "items",
        "pieces",
        "ideas",
        "choices",
        "different",
        "more",
        "other",
        "nice",
        "good",
        "great",
        "cool",
        "suggestions",
        "instead",
        "please",
    }
)
COUNT_LEADS = frozenset({"me", "see", "want", "need", "just", "only", "show", "try"})
# A number of three or more digits is a count only right after one of these (or at
# the start): otherwise it is a model number ("Levi's 501 jeans", "Air Max 270 shoes").
BIG_COUNT_LEADS = COUNT_LEADS | {"get", "give", "find", "buy", "order", "have"}
# Past this many digits a number is a code or a typo, not a count (and int() of a
# thousand digits is slow): read it as "a lot", which clamps to MAX_ITEMS.
MAX_COUNT_DIGITS = 6
# A number right after these is a size or a price, not a count.
NOT_A_COUNT_BEFORE = frozenset(
    {
        "size",
        "sizes",
        "under",
        "below",
        "over",
        "above",
        "than",
        "rs",
        "inr",
        "uk",
        "us",
        "eu",
        "around",
        "about",
        "budget",
        "upto",
        "up",
        "to",
        "within",
        "aged",
        "age",
        "im",
        "the",
        "this",
        "that",
        "which",
        "each",
        "every",
        "no",
        "number",
        # sizes and measurements: "my size is 9", "waist 32", "inseam 30"
        "is",
        "am",
        "waist",
        "chest",
        "bust",
        "inseam",
        "length",
        "height",
        "inch",
        "inches",
        "cm",
        "eur",
    }
)
NOT_A_COUNT_AFTER = frozenset(
    {
        "year",
        "years",
        "yrs",
        "yr",
        "month",
        "months",
        "rupees",
        "rs",
        "inr",
        "k",
        "cm",
        "kg",
        "percent",
        "days",
        "day",
        "weeks",
        "hours",
        "pm",
        "am",
        "o",
        "oclock",
        # measurements and size systems: "30 inch jeans", "9 uk shoes", "32 waist"
        "inch",
        "inches",
        "in",
        "mm",
        "ft",
        "feet",
        "uk",
        "us",
        "eu",
        "eur",
        "waist",
        "size",
        "x",
        # distances and events: "a 5 k run", "10 km race", "a 2 week trip", "21 st birthday"
        "km",
        "kms",
        "kilometre",
        "kilometres",
        "kilometer",
        "kilometers",
        "mi",
        "mile",
        "miles",
        "miler",
        "week",
        "night",
        "nights",
        "hour",
        "minute",
        "minutes",
        "st",
        "nd",
        "rd",
        "th",
        "birthday",
        "anniversary",
        "run",
        "race",
        "marathon",
    }
)
# Words that may stand between a number and what it counts ("3 red cotton tshirts").
MAX_DESCRIBING_WORDS = 3


def number_of(token: str) -> int | None:
    if token.isascii() and token.isdigit():
        return int(token[:MAX_COUNT_DIGITS])
    return NUMBER_WORDS.get(token)


def explicit_number(tokens: Sequence[str], wanted_starts: Iterable[int]) -> int | None:
    """The first count the shopper wrote, of anything (see ``explicit_counts``)."""
    counted, bare = explicit_counts(tokens, wanted_starts)
    return next(iter(counted.values()), bare)


def explicit_counts(
    tokens: Sequence[str], wanted_starts: Iterable[int]
) -> tuple[dict[int, int], int | None]:
    """Counts the shopper wrote in digits or words, each just before what it counts.

    Returns {start of the counted phrase: count} and a count of nothing named
    ("show me four more"), if any. "two pairs of shoes", "3 shirts and a tie"; not
    "size 9 shoes", "under 2000", "for my 5 year old", "30 inch jeans" or "the blue one".
    """
    starts = set(wanted_starts)
    counted: dict[int, int] = {}
    bare: int | None = None
    for i, token in enumerate(tokens):
        pair = " ".join(tokens[i : i + 2])
        size = 2 if i + 1 < len(tokens) and pair in NUMBER_WORDS else 1
        value = NUMBER_WORDS[pair] if size == 2 else number_of(token)
        if value is None:
            continue
        if i > 0 and tokens[i - 1] in NOT_A_COUNT_BEFORE:
            continue
        if value >= 100 and token.isdigit() and i > 0 and tokens[i - 1] not in BIG_COUNT_LEADS:
            continue
        j = i + size
        if j < len(tokens) and tokens[j] in NOT_A_COUNT_AFTER:
            continue
        # The counted thing may follow a few filler words ("two nice pairs of").
        while j < len(tokens) and j not in starts and tokens[j] in COUNT_NOUNS:
            j += 1
        if j in starts:
            counted.setdefault(j, value)
            continue
        # Or a few describing words: "3 red tshirts", "two black leather heels".
        k, described = j, 0
        while (
            k < len(tokens)
            and k not in starts
            and described < MAX_DESCRIBING_WORDS
            and number_of(tokens[k]) is None
            and tokens[k] not in NOT_A_COUNT_AFTER
        ):
            described += tokens[k] not in COUNT_NOUNS
            k += 1
        if k in starts:
            counted.setdefault(k, value)
            continue
        # "show me three more", "just two": a count of what was asked before.
        if j == len(tokens) and (j > i + size or (i > 0 and tokens[i - 1] in COUNT_LEADS)):
            bare = value if bare is None else bare
    return counted, bare


THOUSANDS_SHORT = re.compile(r"^\d{1,3}(?:_\d)?k$")
# "under 2000", "below ₹1,500", "less than 3000", "up to 2500", "budget of 4000".
BUDGET_LEADS = frozenset(
    {"under", "below", "within", "upto", "max", "maximum", "budget", "cheaper", "less"}
)
BUDGET_FILLERS = frozenset(
    {"than", "to", "of", "is", "rs", "inr", "about", "around", "my", "a", "only", "just"}
)


def budget_in(message: str) -> Decimal | None:
    """The most the shopper wants to pay, if they said ("under ₹2,000")."""
    return budget(read_words(message).split())


def has_quantifier(tokens: Sequence[str]) -> bool:
    text = f" {' '.join(tokens)} "
    return any(f" {q} " in text for q in QUANTIFIERS)


def budget(tokens: Sequence[str]) -> Decimal | None:
    """The most the shopper wants to pay, if they said ("under ₹2,000")."""
    for i, token in enumerate(tokens):
        if token not in BUDGET_LEADS and tuple(tokens[i : i + 2]) != ("up", "to"):
            continue
        j = i + 1
        while j < len(tokens) and j - i <= 3 and tokens[j] in BUDGET_FILLERS:
            j += 1
        if j < len(tokens) and THOUSANDS_SHORT.match(tokens[j]):
            # "under 5k": Indian and British shoppers' thousands.
            return Decimal(tokens[j][:-1].replace("_", ".")) * 1000
        if j < len(tokens) and tokens[j].replace("_", "").isdigit():
            digits = tokens[j].replace("_", ".")[: MAX_COUNT_DIGITS + 3]
            try:
                return Decimal(digits)
            except InvalidOperation:
                return None
    return None


# "size 9", "size M", "uk 8", "32 waist": the size the shopper wears, kept for follow-ups.
SIZE_WORDS = frozenset({"xxs", "xs", "s", "m", "l", "xl", "xxl", "xxxl", "2xl", "3xl"})
SIZE = re.compile(r"^\d{1,2}(?:_5)?$")


def size_in(tokens: Sequence[str]) -> str:
    """The size the shopper named ("size 9", "size xl", "uk 8"), upper-cased, or ""."""
    for i, token in enumerate(tokens[:-1]):
        if token in {"size", "uk", "eu", "us"}:
            value = tokens[i + 1]
            if value == "is" and i + 2 < len(tokens):
                value = tokens[i + 2]
            if SIZE.match(value) or value in SIZE_WORDS:
                return value.replace("_", ".").upper()
    return ""
