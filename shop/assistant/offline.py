"""The offline backend's advice: composed from the products' own attributes.

Deterministic, instant and free; also what answers when Gemini cannot.
"""

from __future__ import annotations

from collections.abc import Sequence

from shop.assistant.classifier import Classification
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
    "running": ("sports",),
    "festival": ("ethnic",),
    "diwali": ("ethnic",),
    "beach": ("casual",),
    "holiday": ("casual", "travel"),
    "vacation": ("casual", "travel"),
}


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
    lowered = message.lower()
    for word, usages in OCCASION_WORDS.items():
        if word in lowered:
            fitting = [p.name for p in products if p.usage.lower() in usages]
            if fitting:
                return f"For a {word}, {_join(fitting[:2])} suit the occasion best."
            return (
                f"For a {word}, these lean {products[0].usage.lower() or 'casual'}; "
                "ask me for something dressier if you need it."
                if products
                else ""
            )
    return ""


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
    what = _join([w.words for w in classification.wants]) if classification.wants else "ideas"
    count = len(products)
    if look:
        sentences.append(f"To complete your look, here is one of each: {what}.")
    else:
        lead = "To go with your photo, here" if has_photo else "Here"
        sentences.append(f"{lead} {'is' if count == 1 else 'are'} {count} {what} from our catalog.")
    sentences.extend(_describe(p) for p in products[:6])
    for tip in (_colour_tip(products), _occasion_tip(message, products)):
        if tip:
            sentences.append(tip)
    return " ".join(sentences)
