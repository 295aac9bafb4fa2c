"""The offline backend's advice: composed from the products' own attributes.

Deterministic, instant and free; also what answers when Gemini cannot.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal

from django.contrib.humanize.templatetags.humanize import intcomma
from django.template.defaultfilters import floatformat

from shop.assistant.classifier import PLURAL_ONLY, Classification, singular
from shop.catalog.models import Product

OCCASIONS = {
    "casual": "everyday wear",
    "smart casual": "smart-casual days",
    "formal": "the office and formal events",
    "ethnic": "festive and traditional occasions",
    "sports": "workouts and active days",
    "party": "evenings out",
    "travel": "travel",
}
SEASONS = {
    "summer": "light enough for warm weather",
    "spring": "a good fit for spring",
    "fall": "a good fit for autumn",
    "winter": "made for the colder months",
}
NEUTRALS = {
    "black",
    "white",
    "grey",
    "navy blue",
    "beige",
    "cream",
    "off white",
    "charcoal",
    "khaki",
    "brown",
    "tan",
    "silver",
    "grey melange",
    "steel",
    "nude",
    "skin",
}
# Colour pairings a stylist would suggest; neutrals go with everything.
PAIRINGS = {
    "blue": ("white", "beige", "grey", "brown"),
    "navy blue": ("white", "beige", "grey", "tan"),
    "red": ("black", "white", "navy", "denim blue"),
    "pink": ("white", "grey", "navy", "beige"),
    "green": ("white", "beige", "brown", "navy"),
    "olive": ("white", "beige", "black", "rust"),
    "yellow": ("navy", "white", "grey", "denim blue"),
    "orange": ("navy", "white", "denim blue"),
    "purple": ("grey", "white", "black"),
    "maroon": ("beige", "grey", "white", "navy"),
    "brown": ("cream", "blue", "white", "olive"),
    "black": ("white", "red", "grey", "almost any colour"),
    "white": ("navy", "black", "almost any colour"),
    "grey": ("navy", "pink", "black", "white"),
    "beige": ("navy", "white", "brown", "olive"),
    "gold": ("black", "white", "maroon"),
    "silver": ("black", "navy", "grey"),
    "teal": ("white", "beige", "grey"),
    "lavender": ("white", "grey", "navy"),
    "peach": ("white", "navy", "grey"),
    "magenta": ("grey", "black", "white"),
    "mustard": ("navy", "white", "grey"),
}
OCCASION_WORDS = {
    "wedding": ("ethnic", "formal", "party"),
    "party": ("party", "casual"),
    "office": ("formal", "smart casual"),
    "work": ("formal", "smart casual"),
    "interview": ("formal",),
    "gym": ("sports",),
    "workout": ("sports",),
    "running": ("sports",),
    "festival": ("ethnic",),
    "diwali": ("ethnic",),
    "beach": ("casual",),
    "holiday": ("casual", "travel"),
    "vacation": ("casual", "travel"),
}


# How an occasion reads after "For" where "a <word>" would be wrong.
OCCASION_PHRASES = {
    "work": "work",
    "office": "the office",
    "interview": "an interview",
    "gym": "the gym",
    "running": "running",
    "beach": "the beach",
    "diwali": "Diwali",
}
# Article types sold in pairs: "1 pair of heels", not "1 heel".
PAIRED = ("shoes", "sandals", "flip flops", "heels", "flats", "socks", "gloves", "earrings")
PAIRED_WORDS = ("boots", "booties", "slippers", "stockings", "sneakers", "trainers", "loafers")


def occasions(text: str) -> list[str]:
    """Occasion words the shopper used, as whole words, in the order they wrote them.

    "workout" is a workout, not "work"; shared by the advice and the search's usage filter.
    """
    words = re.findall(r"[a-z]+", text.lower())
    return list(dict.fromkeys(w for w in words if w in OCCASION_WORDS))


def _occasion_phrase(word: str) -> str:
    return OCCASION_PHRASES.get(word, f"{'an' if word[0] in 'aeiou' else 'a'} {word}")


def _counted(name: str, n: int) -> str:
    """ "1 jacket", "2 jackets", "1 pair of heels", "1 swimwear": a catalog name, counted."""
    lowered = name.lower()
    if lowered.endswith(PAIRED) or lowered in PAIRED_WORDS:
        return f"{n} {'pair' if n == 1 else 'pairs'} of {lowered}"
    if n == 1 and lowered.split()[-1] not in PLURAL_ONLY:
        words = lowered.split()
        lowered = " ".join([*words[:-1], singular(words[-1])])
    return f"{n} {lowered}"


def _what(classification: Classification, products: Sequence[Product]) -> str:
    """What was found, counted: a want of one article type by the catalog's name for it
    ("1 swimwear", "2 jackets"), a want of several by the shopper's word ("2 pairs of
    shoes"), anything else by its article type."""
    counts: dict[str, int] = {}
    for product in products:
        want = next(
            (w for w in classification.wants if product.category.name in w.categories), None
        )
        single = want is None or len(want.categories) == 1
        name = product.category.name if single else want.words
        counts[name] = counts.get(name, 0) + 1
    return _join([_counted(name, n) for name, n in counts.items()])


def _money(amount: Decimal) -> str:
    return f"₹{intcomma(floatformat(amount, '-2'))}"


def budget_note(classification: Classification, products: Sequence[Product]) -> str:
    """What the shopper's budget meant for these products, honestly."""
    budget = classification.max_price
    if budget is None or not products:
        return ""
    unpriced = sum(p.price is None for p in products)
    if unpriced == len(products):
        return (
            f"Prices aren't listed for these yet, so I couldn't check them against your "
            f"budget of {_money(budget)}."
        )
    if unpriced:
        return (
            f"Prices aren't listed for {unpriced} of these, so I couldn't check "
            f"{'it' if unpriced == 1 else 'them'} against your budget of {_money(budget)}; "
            "the rest are within it."
        )
    return f"All of these are within your budget of {_money(budget)}."


def _join(words: Sequence[str]) -> str:
    words = list(words)
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def _describe(product: Product) -> str:
    parts = [product.name]
    bits = []
    if product.usage:
        bits.append(f"for {OCCASIONS.get(product.usage.lower(), product.usage.lower())}")
    if product.season:
        bits.append(SEASONS.get(product.season.lower(), f"for {product.season.lower()}"))
    if bits:
        parts.append(" — " + ", ".join(bits))
    if product.price is None:
        parts.append(" (price unavailable)")
    elif product.stock == 0:
        parts.append(" (currently out of stock)")
    return "".join(parts) + "."


def _colour_tip(products: Sequence[Product]) -> str:
    colours = [p.base_colour for p in products if p.base_colour]
    for colour in colours:
        key = colour.lower()
        if key in PAIRINGS and key not in NEUTRALS:
            return f"{colour} pairs well with {_join(PAIRINGS[key])}."
    distinct = list(dict.fromkeys(colours))
    if len(distinct) >= 2 and all(c.lower() in NEUTRALS for c in distinct):
        return f"{_join(distinct)} are easy neutrals that work together and with a bolder accent."
    if distinct:
        key = distinct[0].lower()
        if key in PAIRINGS:
            return f"{distinct[0]} goes with {_join(PAIRINGS[key])}."
    return ""


def _occasion_tip(message: str, products: Sequence[Product]) -> str:
    named = occasions(message)
    if not named or not products:
        return ""
    word = named[0]
    usages = OCCASION_WORDS[word]
    fitting = [p.name for p in products if p.usage.lower() in usages]
    lead = f"For {_occasion_phrase(word)}"
    if fitting:
        verb = "suits" if len(fitting[:2]) == 1 else "suit"
        return f"{lead}, {_join(fitting[:2])} {verb} the occasion best."
    return (
        f"{lead}, these lean {products[0].usage.lower() or 'casual'}; "
        "ask me for something dressier if you need it."
    )


def offline_advice(
    *,
    message: str,
    classification: Classification,
    products: Sequence[Product],
    has_photo: bool,
    look: bool = False,
) -> str:
    """A short, honest answer from the attributes of the products found."""
    sentences: list[str] = []
    if look and not products:
        return (
            "I couldn't find anything in our catalog to go with your photo. Try naming what "
            "you'd like with it, like jeans, sneakers or a watch."
        )
    if classification.not_carried:
        sentences.append(f"Sorry, we don't carry {_join(list(classification.not_carried))}.")
    if not products:
        if not classification.not_carried:
            sentences.append(
                "I couldn't find anything for that in our catalog. Try naming an article type, "
                "like shirts, sneakers or handbags."
            )
        else:
            sentences.append("Is there anything else I can help you find?")
        return " ".join(sentences)
    if look:
        names = _join(list(dict.fromkeys(p.category.name.lower() for p in products)))
        sentences.append(f"To complete your look, here is one of each: {names}.")
    else:
        lead = "To go with your photo, here" if has_photo else "Here"
        verb = "is" if len(products) == 1 else "are"
        sentences.append(f"{lead} {verb} {_what(classification, products)} from our catalog.")
    sentences.extend(_describe(p) for p in products[:6])
    tips = (budget_note(classification, products), _colour_tip(products))
    for tip in (*tips, _occasion_tip(message, products)):
        if tip:
            sentences.append(tip)
    return " ".join(sentences)
