"""The assistant's flow: rate limit -> photo -> classify -> retrieve -> advise, and the
conversation it keeps."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from django.conf import settings

from shop import images, uploads
from shop.assistant import conversation as conversations
from shop.assistant import limits, retrieval, selectors
from shop.assistant import words as w
from shop.assistant.advice import recognised
from shop.assistant.backends import GEMINI, Ask, Found, backend_choice, backend_get, with_fallback
from shop.assistant.exceptions import AssistantError
from shop.assistant.language import parse
from shop.assistant.lexicon import catalog_vocabulary
from shop.assistant.notes import budget_note, constraints_note
from shop.assistant.presentation import product_card
from shop.assistant.rules import search_words
from shop.assistant.types import AssistantReply, Want
from shop.inputs import clean_text
from shop.search.colours import colour_family
from shop.search.vocabulary import get_vocabulary

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile
    from PIL.Image import Image

MAX_MESSAGE_CHARS = selectors.MAX_MESSAGE_CHARS
PHOTO_SIZE_FOR_MODEL = 512
EMPTY_REQUEST = "Tell me what you are looking for, or add a photo."
TOO_LONG = f"Please keep your message under {MAX_MESSAGE_CHARS} characters."


def assistant_ask(
    *,
    message: str,
    upload: UploadedFile | None,
    conversation: conversations.ConversationStore,
    rate_keys: limits.RateKeys,
    body_too_large: bool = False,
) -> AssistantReply:
    """One shopper request from the panel or the API, start to finish.

    The size of the request, then the rate limit, then the photo (through the
    project's one upload path), then the answer, which is added to the conversation.
    Every expected failure is a ShopError with a message for the shopper and a status.
    """
    deadline_at = time.monotonic() + settings.SHOP_ASSISTANT_DEADLINE_S
    # Refused before it is counted: an oversized body reaches here unchecked for CSRF,
    # so a hostile page could otherwise spend a visitor's budget.
    if body_too_large:
        raise AssistantError(uploads.REQUEST_TOO_LARGE, status=413)
    limits.assistant_rate_limit(keys=rate_keys)
    photo = None
    if upload is not None:
        try:
            photo = uploads.photo_from_upload(upload=upload)
        except images.ImageRejected as rejected:
            raise AssistantError(rejected.message, status=rejected.status) from None
    reply = assistant_reply(
        message=message,
        photo=photo,
        turns=conversation.turns(),
        state=conversation.state(),
        deadline_at=deadline_at,
    )
    conversation.append(reply)
    return reply


def assistant_reply(
    *,
    message: str,
    photo: Image | None = None,
    turns: Sequence[dict[str, Any]] = (),
    state: dict[str, Any] | None = None,
    deadline_at: float | None = None,
) -> AssistantReply:
    """Answer one shopper request with products from the catalog and advice.

    Gemini answers when configured; if it fails (after its one retry) or the
    request's deadline (SHOP_ASSISTANT_DEADLINE_S, from ``deadline_at``, a
    ``time.monotonic()`` value) leaves it no time, the offline backend answers
    instead and the reply carries a short notice saying so. ``state`` is what the
    conversation carries from earlier turns (colour, gender, budget, occasion, size,
    exclusions, the products shown).

    A photo with no article type named ("complete this look") gets products that go
    with it, from other sub-categories, rather than the item itself and look-alikes.
    """
    if deadline_at is None:
        deadline_at = time.monotonic() + settings.SHOP_ASSISTANT_DEADLINE_S
    if len(message) > MAX_MESSAGE_CHARS:
        raise AssistantError(TOO_LONG)
    message = clean_text(message, max_length=MAX_MESSAGE_CHARS)
    if not message and photo is None:
        raise AssistantError(EMPTY_REQUEST)

    vocabulary = catalog_vocabulary()
    name, notice = backend_choice()
    notices = [notice] if notice else []
    photo_jpeg = (
        images.thumbnail_bytes(photo, size=PHOTO_SIZE_FOR_MODEL)
        if photo is not None and name == GEMINI
        else None
    )
    # A new photo is a new request, not a follow-up to the last answer.
    previous, shown, prices = (
        (None, [], {})
        if photo is not None
        else conversations.state_load(state or {}, names=set(vocabulary.names))
    )
    parsed = parse(message)
    ask = Ask(
        parsed=parsed,
        vocabulary=vocabulary,
        turns=turns,
        previous=previous,
        shown_prices=prices,
        photo_jpeg=photo_jpeg,
        deadline_at=deadline_at,
    )
    backend, classification = with_fallback(backend_get(name), lambda b: b.classify(ask), notices)

    if photo is not None and classification.outfit:
        # "complete this look" with a photo: the look is built around the photo.
        named = vocabulary.occasion_of(parsed.tokens)
        classification = replace(
            classification,
            wants=(),
            outfit=False,
            owned=(),
            occasion=named.slug if named else "",
        )
    gender = w.GENDER_FILTERS.get(classification.gender, ())
    if classification.outfit and not classification.wants and classification.owned:
        types = selectors.owned_complements(owned=classification.owned[0], gender=gender)
        classification = replace(
            classification,
            wants=tuple(Want(t.lower(), (t,), 1) for t in types),
            number_of_items=1,
        )
    if not classification.understood:
        suggestion = get_vocabulary().suggest(message) or ""
        classification = replace(classification, suggestion=suggestion)
    occasion = vocabulary.occasion(classification.occasion)
    words = " or ".join(search_words(parsed, vocabulary=vocabulary).split())
    look = photo is not None and not classification.wants and not classification.not_carried
    photo_item = ""
    if look:
        classification, retrieved = selectors.look_products(photo=photo, text=words)
        photo_item = recognised(retrieved.anchor) if retrieved.anchor is not None else ""
    else:
        retrieved = retrieval.assistant_products(
            classification=classification,
            text=words,
            photo=photo,
            gender=gender,
            colour=colour_family(classification.colour),
            usages=occasion.usages if occasion is not None else (),
            exclude_ids=frozenset(shown) if classification.more else frozenset(),
        )
    notices.extend(n for n in retrieved.notices if n not in notices)

    found = Found(
        classification=classification,
        products=retrieved.products,
        occasion=occasion,
        look=look,
        has_photo=photo is not None,
        photo_item=photo_item,
        relaxed=retrieved.relaxed,
    )
    backend, advice = with_fallback(backend, lambda b: b.advise(ask, found), notices)
    text = advice.text
    if backend.name == GEMINI:
        # The model's prose may not say it: the shop states the constraints itself.
        notes = [
            constraints_note(classification, retrieved.products, retrieved.relaxed),
            budget_note(classification, retrieved.products),
            classification.question,
        ]
        text = " ".join([text, *(n for n in notes if n)])
    text = _not_repeated(text, turns)
    products = retrieved.products
    now_shown = (
        [*shown, *(p.pk for p in products)] if classification.more else [p.pk for p in products]
    )
    now_prices = {
        key: str(min(p.price for p in found_for if p.price is not None))
        for key, found_for in retrieved.by_want.items()
        if any(p.price is not None for p in found_for)
    }
    return AssistantReply(
        message=message,
        categories=classification.categories,
        number_of_items=classification.number_of_items,
        not_carried=list(classification.not_carried),
        advice=text,
        products=[product_card(p, note=advice.notes.get(p.pk, "")) for p in products],
        backend=backend.name,
        notices=notices,
        wants=[
            {"words": x.words, "categories": list(x.categories), "count": x.count}
            for x in classification.wants
        ],
        has_photo=photo is not None,
        quick_replies=[list(pair) for pair in classification.quick_replies],
        state=conversations.state_dump(classification, shown=now_shown, prices=now_prices),
    )


REPEATED = "I have nothing new for that, so this is what I showed you last time."


def _not_repeated(text: str, turns: Sequence[dict[str, Any]]) -> str:
    """Never the same words twice in a row: a repeat says that it is one."""
    last = next((t for t in reversed(turns) if t.get("role") == "assistant"), None)
    if last is not None and last.get("advice") == text:
        return f"{REPEATED} {text}"
    return text
