"""The offline backend's advice: composed from the products' own attributes.

Deterministic, instant and free; also what answers when Gemini cannot. Each product
is named once, with its price, and why it fits (colour, occasion, season); an outfit
gets a short styling note; a photo gets what was recognised in it.
"""

from __future__ import annotations

from collections.abc import Sequence

from shop.assistant import words as w
from shop.assistant.notes import budget_note, constraints_note, join
from shop.assistant.presentation import price_display
from shop.assistant.retrieval import Relaxed
from shop.assistant.rules import NOTHING_UNDERSTOOD
from shop.assistant.types import Classification, OccasionInfo
from shop.catalog.models import Product
from shop.search.colours import colour_family
from shop.search.vocabulary import plural, singular

USAGES = {
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
    "black", "white", "grey", "navy blue", "beige", "cream", "off white", "charcoal", "khaki",
    "brown", "tan", "silver", "grey melange", "steel", "nude", "skin",
}  # fmt: skip
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
# Article types sold in pairs: "1 pair of heels", not "1 heel".
PAIRED = ("shoes", "sandals", "flip flops", "heels", "flats", "socks", "gloves", "earrings")
PAIRED_WORDS = ("boots", "booties", "slippers", "stockings", "sneakers", "trainers", "loafers")
GENDER_WORDS = {"Men": "men's", "Women": "women's", "Boys": "boys'", "Girls": "girls'"}
MAX_DESCRIBED = 6


def _counted(name: str, n: int) -> str:
    """ "1 jacket", "2 jackets", "1 pair of heels", "1 swimwear": a catalog name, counted."""
    lowered = name.lower()
    if lowered.endswith(PAIRED) or lowered in PAIRED_WORDS:
        return f"{n} {'pair' if n == 1 else 'pairs'} of {lowered}"
    if n == 1 and lowered.split()[-1] not in w.PLURAL_ONLY:
        words = lowered.split()
        lowered = " ".join([*words[:-1], singular(words[-1])])
    return f"{n} {lowered}"


def _what(classification: Classification, products: Sequence[Product]) -> str:
    """What was found, counted: a want of one article type by the catalog's name for it,
    a want of several by the shopper's word ("2 pairs of shoes")."""
    counts: dict[str, int] = {}
    for product in products:
        want = next(
            (x for x in classification.wants if product.category.name in x.categories), None
        )
        single = want is None or len(want.categories) == 1
        name = product.category.name if single else want.words
        counts[name] = counts.get(name, 0) + 1
    return join([_counted(name, n) for name, n in counts.items()])


def recognised(product: Product) -> str:
    """How a photo's item reads: "a purple women's top"."""
    words = [product.base_colour.lower()] if product.base_colour else []
    if product.gender in GENDER_WORDS:
        words.append(GENDER_WORDS[product.gender])
    name = product.category.name.lower()
    last = name.split()[-1]
    words.append(name if last in w.PLURAL_ONLY else " ".join([*name.split()[:-1], singular(last)]))
    text = " ".join(words)
    return f"{'an' if text[0] in 'aeiou' else 'a'} {text}"


def _why(product: Product, classification: Classification, occasion: OccasionInfo | None) -> str:
    bits = []
    asked = classification.colour
    if asked and product.base_colour.lower() == asked.lower():
        bits.append(f"in the {product.base_colour.lower()} you asked for")
    elif asked and product.base_colour in colour_family(asked):
        shade = product.base_colour.lower()
        bits.append(f"in {shade}, a shade of the {asked.lower()} you asked for")
    usage = product.usage.lower()
    if occasion is not None and usage in {u.lower() for u in occasion.usages}:
        bits.append(f"made for {USAGES.get(usage, usage)}, right for {occasion.name}")
    elif usage:
        bits.append(f"for {USAGES.get(usage, usage)}")
    # With an occasion, its fit is the reason given: a product's own season ("made for
    # the colder months") would argue against a beach holiday the shopper named.
    if product.season and occasion is None:
        bits.append(SEASONS.get(product.season.lower(), f"for {product.season.lower()}"))
    return ", ".join(bits)


def _describe(
    product: Product, classification: Classification, occasion: OccasionInfo | None, priced: bool
) -> str:
    text = product.name
    if priced:
        text += f" ({price_display(product.price, product.stock)})"
    elif product.stock == 0:
        text += " (currently out of stock)"
    why = _why(product, classification, occasion)
    return f"{text}: {why}." if why else f"{text}."


def _colour_tip(products: Sequence[Product]) -> str:
    colours = [p.base_colour for p in products if p.base_colour]
    for colour in colours:
        key = colour.lower()
        if key in PAIRINGS and key not in NEUTRALS:
            return f"{colour} pairs well with {join(PAIRINGS[key])}."
    distinct = list(dict.fromkeys(colours))
    if len(distinct) >= 2 and all(c.lower() in NEUTRALS for c in distinct):
        return f"{join(distinct)} are easy neutrals that work together and with a bolder accent."
    if distinct and distinct[0].lower() in PAIRINGS:
        return f"{distinct[0]} goes with {join(PAIRINGS[distinct[0].lower()])}."
    return ""


def _outfit_note(
    classification: Classification, products: Sequence[Product], occasion: OccasionInfo | None
) -> str:
    types = list(dict.fromkeys(p.category.name for p in products))
    if len(types) < 2:
        return ""
    genders = {x.gender for x in classification.wants if x.gender}
    if genders:
        return ""
    note = occasion.note_for(w.OUTFIT_GENDER.get(classification.gender, "")) if occasion else ""
    if occasion is not None and note:
        return f"For {occasion.name}: {note}"
    return "Worn together, these make one look; swap any piece and ask me for another."


def _not_carried(classification: Classification) -> str:
    alternatives = dict(classification.alternatives)
    sentences = []
    for label in classification.not_carried:
        instead = alternatives.get(label)
        if instead:
            words = instead.lower().split()
            instead = " ".join([*words[:-1], plural(words[-1])])
            sentences.append(f"We don't sell {label}; we do have {instead}.")
        else:
            sentences.append(f"We don't sell {label}.")
    return " ".join(sentences)


def offline_advice(
    *,
    classification: Classification,
    products: Sequence[Product],
    occasion: OccasionInfo | None = None,
    has_photo: bool = False,
    look: bool = False,
    photo_item: str = "",
    relaxed: Sequence[Relaxed] = (),
) -> str:
    """A short, honest answer from the attributes of the products found."""
    sentences: list[str] = []
    if classification.corrections:
        read = join([f"“{word}” as “{meant}”" for word, meant in classification.corrections])
        sentences.append(f"(I read {read}.)")
    if photo_item:
        sentences.append(f"Your photo shows {photo_item}.")
    if look and not products:
        return " ".join(
            [
                *sentences,
                "I couldn't find anything in our catalog to go with your photo. Try naming "
                "what you'd like with it, like jeans, sneakers or a watch.",
            ]
        )
    if classification.not_carried:
        sentences.append(_not_carried(classification))
    if classification.question and not products:
        sentences.append(classification.question)
        return " ".join(sentences)
    if not products:
        if not classification.understood:
            sentences.append(NOTHING_UNDERSTOOD)
            if classification.suggestion:
                sentences.append(f"Did you mean “{classification.suggestion}”?")
        elif not classification.not_carried:
            sentences.append(
                "I couldn't find anything for that in our catalog. Try naming an article type, "
                "like shirts, sneakers or handbags."
            )
        else:
            sentences.append("Is there anything else I can help you find?")
        return " ".join(sentences)
    if look:
        names = join(list(dict.fromkeys(p.category.name.lower() for p in products)))
        sentences.append(f"To complete your look, here is one of each: {names}.")
    else:
        lead = "To go with your photo, here" if has_photo and not photo_item else "Here"
        verb = "is" if len(products) == 1 else "are"
        sentences.append(f"{lead} {verb} {_what(classification, products)} from our catalog.")
    note = constraints_note(classification, products, relaxed)
    if note:
        sentences.append(note)
    shown = products[:MAX_DESCRIBED]
    priced = any(p.price is not None for p in shown)
    sentences.extend(_describe(p, classification, occasion, priced) for p in shown)
    if not priced:
        sentences.append(
            budget_note(classification, products) or "Prices aren't listed for these yet."
        )
    for tip in (
        budget_note(classification, products) if priced else "",
        _outfit_note(classification, products, occasion),
        _colour_tip(products),
    ):
        if tip:
            sentences.append(tip)
    if classification.question:
        sentences.append(classification.question)
    return " ".join(sentences)
