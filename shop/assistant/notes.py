"""What the shopper's constraints meant for the products shown, said honestly by the
shop whichever backend advised: the budget, "cheaper", a constraint let go, whom an
outfit is for. Never a budget, size or preference the shopper did not give."""

from __future__ import annotations

from collections.abc import Sequence

from shop.assistant.retrieval import Relaxed
from shop.assistant.types import Classification, Want
from shop.catalog.models import Product
from shop.money import format_money
from shop.search.vocabulary import plural


def join(words: Sequence[str]) -> str:
    words = list(words)
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def budget_note(classification: Classification, products: Sequence[Product]) -> str:
    """What the shopper's budget meant for these products, honestly."""
    budget = classification.max_price
    if budget is None or not products:
        return ""
    money = format_money(budget)
    if any(p.price is not None and p.price > budget for p in products):
        # A budget let go for some want is said by ``constraints_note``.
        return ""
    unpriced = sum(p.price is None for p in products)
    if unpriced == len(products):
        return (
            f"Prices aren't listed for these yet, so I couldn't check them against your "
            f"budget of {money}."
        )
    if unpriced:
        return (
            f"Prices aren't listed for {unpriced} of these, so I couldn't check "
            f"{'it' if unpriced == 1 else 'them'} against your budget of {money}; "
            "the rest are within it."
        )
    return f"All of these are within your budget of {money}."


def join_or(words: Sequence[str]) -> str:
    words = list(words)
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def _label(want: Want) -> str:
    words = want.words or (want.categories[0].lower() if want.categories else "")
    if len(want.categories) == 1:
        words = want.categories[0].lower()
    head = words.split()[-1] if words else ""
    return " ".join([*words.split()[:-1], plural(head)]) if head else "these"


def _gender_word(want: Want) -> str:
    return {"Men": "men's ", "Women": "women's "}.get(want.gender, "")


def constraints_note(
    classification: Classification,
    products: Sequence[Product],
    relaxed: Sequence[Relaxed] = (),
) -> str:
    """What the shopper's constraints meant for these products, honestly: what "cheaper"
    was measured against, which constraint was let go where nothing met them all, and
    whom an outfit shows while the shopper has not said. Never a budget, size or
    preference the shopper did not give."""
    sentences = []
    if any(x.gender for x in classification.wants) and products:
        sentences.append(
            "You haven't said who it's for, so here is the best for men and for women; "
            "tap Men or Women for a full outfit."
        )
    let_go = {r.want.key for r in relaxed}
    cheaper = dict(classification.cheaper_than)
    kept = [
        f"{_gender_word(x)}{_label(x)} under the {format_money(cheaper[x.key])} shown before"
        for x in classification.wants
        if x.key in cheaper and x.key not in let_go
    ]
    if kept:
        sentences.append(f"Cheaper than before: {join(kept)}.")
    elif classification.cheaper and not cheaper and products:
        sentences.append("Lowest prices first, as you asked for cheaper.")
    # One sentence per kind of letting go: "We have no sarees or heels in blue, so ..."
    grouped: dict[tuple[str, tuple[str, ...]], list[str]] = {}
    for r in relaxed:
        asked = []
        if "colour" in r.dropped and classification.colour:
            asked.append(f"in {classification.colour.lower()}")
        if "size" in r.dropped and classification.size:
            asked.append(f"in size {classification.size}")
        if "budget" in r.dropped and r.want.key in cheaper:
            asked.append(f"cheaper than the {format_money(cheaper[r.want.key])} shown before")
        if "budget" in r.dropped and classification.max_price is not None:
            asked.append(f"within your budget of {format_money(classification.max_price)}")
        label = f"{_gender_word(r.want)}{_label(r.want)}"
        grouped.setdefault((" ".join(asked), r.dropped), []).append(label)
    names = {"colour": "the colour", "size": "the size", "budget": "the price"}
    for (asked_text, dropped), labels in grouped.items():
        those = "it" if len(labels) == 1 else "those"
        sentences.append(
            f"We have no {join_or(labels)} {asked_text}, so for {those} I let go of "
            f"{join([names[d] for d in dropped])} and show the closest."
        )
    return " ".join(sentences)
