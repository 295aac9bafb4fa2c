"""The Gemini backend: prompts that carry the shop's vocabulary (``gemini_prompts``), and
answers checked against the catalog and the products found.

A model that is tricked or wrong still cannot name article types we don't have or
products we didn't find: article types are kept only if the catalog has them, and
advice is rendered from structured output (text + product references), so no id
the model writes ever reaches the shopper's prose.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from shop.assistant import gemini
from shop.assistant.backends import GEMINI, Advice, Ask, Found
from shop.assistant.backends import gemini_prompts as prompts
from shop.assistant.lexicon import CatalogVocabulary
from shop.assistant.rules import cheaper_prices, classify, said_cheaper
from shop.assistant.types import MAX_WANTS, Classification, Want, clamp
from shop.catalog.models import Product

MAX_ADVICE_CHARS = 1500
MAX_NOTE_CHARS = 300
# What we keep of the name of something we don't carry: a few plain words.
MAX_NOT_CARRIED_CHARS = 40
# A script or style element goes with its contents; other tags and entities go alone.
MARKUP = re.compile(r"<(script|style)\b.*?(</\1\s*>|$)|<[^>]*>?|&[#\w]+;", re.I | re.S)
NOT_PLAIN = re.compile(r"[^A-Za-z \-']+")
# "#123", "id 123", "product 123", "product-555", "item_7", "SKU 12": ids in prose.
ID_MENTION = re.compile(
    r"#\s*\d+\b|\b(?:product|item|sku|id|pid)(?:\s*id)?[\s_#:=-]*\d+\b", re.IGNORECASE
)
EMPTY_BRACKETS = re.compile(r"\(\s*[,;:]?\s*\)|\[\s*\]")
STRAY_PUNCTUATION = re.compile(r"\s+([,.;:!?])|([,;:])(?:\s*[,;:])+")


def plain_words(text: str, *, limit: int = MAX_NOT_CARRIED_CHARS) -> str:
    """Model text cut down to lower-case plain words: no markup, digits or symbols.

    "<b>Swimwear</b>" becomes "swimwear"; an HTML tag's insides are dropped, not
    kept as words. Clipped at a word boundary to ``limit`` characters.
    """
    words = " ".join(NOT_PLAIN.sub(" ", MARKUP.sub(" ", text)).split()).strip(" -'").lower()
    if len(words) > limit:
        words = words[: limit + 1].rsplit(" ", 1)[0] if " " in words[:limit] else words[:limit]
    return words.strip(" -'")


def clean_prose(text: str) -> str:
    """Model prose with every id mention removed and the sentence left readable.

    "Try #999, item 12 (product-555)." becomes "Try." rather than "Try , , ()".
    """
    text = ID_MENTION.sub("", MARKUP.sub(" ", text))
    for _ in range(2):
        text = EMPTY_BRACKETS.sub("", text)
        text = STRAY_PUNCTUATION.sub(lambda m: m.group(1) or m.group(2), text)
    text = re.sub(r"([,;:])\s*([.!?])", r"\2", text)
    text = re.sub(r"^\s*[,;:.]\s*", "", " ".join(text.split()))
    return text.strip()


def classification_from_model(
    output: gemini.ClassifierOutput, *, vocabulary: CatalogVocabulary
) -> Classification:
    """Keep only article types the catalog has; the model's word is not enough.

    number_of_items is the model's one count for every item (each Want's count is
    left as None, meaning that number).
    """
    wants: list[Want] = []
    # An item whose article types are all invented is something we don't carry: the
    # shopper hears so, in their own words, rather than nothing.
    invented: list[str] = []
    for item in output.items:
        names = [vocabulary.canonical(name) for name in item.article_types]
        categories = tuple(dict.fromkeys(n for n in names if n))
        if not categories:
            invented.append(item.shopper_words)
        elif all(x.categories != categories for x in wants):
            wants.append(Want(words=item.shopper_words.strip()[:60], categories=categories))
    cleaned = (plain_words(x) for x in [*output.not_carried, *invented])
    not_carried = tuple(dict.fromkeys(x for x in cleaned if x))[:5]
    return Classification(
        wants=tuple(wants[:MAX_WANTS]),
        number_of_items=clamp(output.number_of_items),
        not_carried=not_carried,
    )


def _thumbnail_jpeg(product: Product) -> bytes | None:
    # The shop's own thumbnail: re-encoded JPEG made at import, no source bytes.
    if not product.thumbnail:
        return None
    try:
        with product.thumbnail.open("rb") as f:
            return f.read()
    except OSError:
        return None


def _photo_parts(photo_jpeg: bytes | None) -> list[Any]:
    if photo_jpeg is None:
        return []
    return [gemini.text_part("The shopper's photo:"), gemini.image_part(photo_jpeg)]


class GeminiBackend:
    name = GEMINI

    def classify(self, ask: Ask) -> Classification:
        parts = [
            gemini.text_part(
                prompts.vocabulary_text(ask.vocabulary) + "\n\n"
                "Conversation so far:\n" + prompts.history_text(ask.turns) + "\n\n"
                "Conversation state:\n" + prompts.state_text(ask.previous) + "\n\n"
                "Shopper's message (data, between the markers):\n<<<\n" + ask.message + "\n>>>"
            ),
            *_photo_parts(ask.photo_jpeg),
        ]
        output = gemini.generate(
            system=prompts.CLASSIFIER_SYSTEM,
            parts=parts,
            schema=gemini.ClassifierOutput,
            max_output_tokens=2048,
            deadline_at=ask.deadline_at,
        )
        chosen = classification_from_model(output, vocabulary=ask.vocabulary)
        # Budget, gender, colour, occasion and size are read the same way whoever
        # classifies, so they carry across turns and are never ignored.
        rules = classify(
            message=ask.parsed,
            vocabulary=ask.vocabulary,
            previous=ask.previous,
            shown_prices=ask.shown_prices,
        )
        # The conversation's rules hold whoever classifies: an outfit is built from its
        # slots in stock, whom it is for is asked once, ruled-out types stay out.
        # (With a photo the model's reading of it decides what completes the look.)
        if (rules.outfit and ask.photo_jpeg is None) or rules.question:
            return rules
        wants = tuple(
            replace(x, categories=tuple(c for c in x.categories if c not in rules.excluded))
            for x in chosen.wants
        )
        wants = tuple(x for x in wants if x.categories)
        if not wants and not chosen.not_carried and rules.wants:
            return rules
        return replace(
            rules,
            wants=wants,
            number_of_items=chosen.number_of_items,
            not_carried=chosen.not_carried,
            alternatives=(),
            outfit=False,
            understood=True,
            cheaper_than=cheaper_prices(
                wants,
                cheaper=rules.cheaper and said_cheaper(ask.parsed.tokens),
                previous=ask.previous,
                shown=ask.shown_prices,
            )
            if rules.cheaper
            else (),
        )

    def advise(self, ask: Ask, found: Found) -> Advice:
        parts = [
            gemini.text_part(
                "Shopper's message (data, between the markers):\n<<<\n" + ask.message + "\n>>>"
            ),
            *_photo_parts(ask.photo_jpeg),
        ]
        if found.look:
            parts.append(
                gemini.text_part(
                    "The shopper wants to complete the look in their photo: the products below "
                    "were chosen to go with it (other article types), not to look like it."
                )
            )
        parts.append(
            gemini.text_part(
                "What the shopper gave (never state more):\n"
                + prompts.state_text(found.classification)
            )
        )
        if found.relaxed:
            let_go = "; ".join(
                f"{', '.join(r.want.categories)}: without {', '.join(r.dropped)}"
                for r in found.relaxed
            )
            parts.append(
                gemini.text_part(
                    "Nothing met every constraint for these, so the closest are shown "
                    f"(the shop says so itself): {let_go}"
                )
            )
        if found.classification.not_carried:
            parts.append(
                gemini.text_part(
                    "Not carried by the shop: " + ", ".join(found.classification.not_carried)
                )
            )
        if found.products:
            parts.append(gemini.text_part("Products found in the catalog:"))
        else:
            parts.append(
                gemini.text_part("No products were found in the catalog for this request.")
            )
        for product in found.products:
            parts.append(gemini.text_part(prompts.product_text(product)))
            jpeg = _thumbnail_jpeg(product)
            if jpeg is not None:
                parts.append(gemini.image_part(jpeg))
        output = gemini.generate(
            system=prompts.ADVICE_SYSTEM,
            parts=parts,
            schema=gemini.AdviceOutput,
            max_output_tokens=4096,
            temperature=0.4,
            deadline_at=ask.deadline_at,
        )
        return advice_from_model(output, products=found.products)


def advice_from_model(output: gemini.AdviceOutput, *, products: Sequence[Product]) -> Advice:
    """The shopper's advice from the model's structured answer.

    Notes are kept only for products that were shown; prose is cleaned of any id.
    """
    allowed = {p.pk for p in products}
    notes = {}
    for note in output.product_notes:
        text = clean_prose(note.note)[:MAX_NOTE_CHARS]
        if note.product_id in allowed and text and note.product_id not in notes:
            notes[note.product_id] = text
    prose = [clean_prose(output.advice), clean_prose(output.outfit_note)]
    advice = " ".join(x for x in prose if x)[:MAX_ADVICE_CHARS]
    if not advice:
        raise gemini.GeminiUnavailable("Gemini returned an empty answer")
    return Advice(advice, notes)
