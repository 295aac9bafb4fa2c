"""The assistant's flow: classify -> retrieve -> advise, and the conversation it keeps."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import MutableMapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.cache import cache

from shop import images
from shop.assistant import backends, gemini, selectors
from shop.assistant.classifier import Classification, classify, search_words
from shop.assistant.exceptions import AssistantError
from shop.assistant.offline import offline_advice
from shop.inputs import clean_text

if TYPE_CHECKING:
    from PIL.Image import Image

logger = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 1000
RATE_WINDOW_S = 60
PHOTO_SIZE_FOR_MODEL = 512
EMPTY_REQUEST = "Tell me what you are looking for, or add a photo."
TOO_LONG = f"Please keep your message under {MAX_MESSAGE_CHARS} characters."
TOO_FAST = "You're asking faster than I can keep up. Please wait a minute and try again."


@dataclass
class AssistantReply:
    message: str
    categories: list[str]
    number_of_items: int
    not_carried: list[str]
    advice: str
    products: list[dict[str, Any]]
    backend: str
    notices: list[str] = field(default_factory=list)
    wants: list[dict[str, Any]] = field(default_factory=list)
    has_photo: bool = False


def assistant_reply(
    *, message: str, photo: Image | None = None, turns: Sequence[dict[str, Any]] = ()
) -> AssistantReply:
    """Answer one shopper request with products from the catalog and advice.

    Gemini answers when configured; if it fails (after its one retry) the offline
    backend answers instead and the reply carries a short notice saying so.
    """
    if len(message) > MAX_MESSAGE_CHARS:
        raise AssistantError(TOO_LONG)
    message = clean_text(message, max_length=MAX_MESSAGE_CHARS)
    if not message and photo is None:
        raise AssistantError(EMPTY_REQUEST)

    vocabulary = selectors.catalog_vocabulary()
    backend, notice = backends.backend_choice()
    notices = [notice] if notice else []
    photo_jpeg = (
        images.thumbnail_bytes(photo, size=PHOTO_SIZE_FOR_MODEL)
        if photo is not None and backend == backends.GEMINI
        else None
    )

    classification: Classification | None = None
    if backend == backends.GEMINI:
        try:
            classification = backends.gemini_classify(
                message=message,
                photo_jpeg=photo_jpeg,
                turns=turns,
                vocabulary=vocabulary,
            )
        except gemini.GeminiUnavailable as error:
            backend = backends.OFFLINE
            notices.append(_fallback_notice(error))
    if classification is None:
        previous = selectors.previous_classification(turns=list(turns), vocabulary=vocabulary)
        classification = classify(message=message, vocabulary=vocabulary, previous=previous)

    words = search_words(message, vocabulary=vocabulary)
    retrieved = selectors.assistant_products(
        classification=classification, text=" or ".join(words.split()), photo=photo
    )
    notices.extend(n for n in retrieved.notices if n not in notices)

    notes: dict[int, str] = {}
    advice = ""
    if backend == backends.GEMINI:
        try:
            advice, notes = backends.gemini_advise(
                message=message,
                photo_jpeg=photo_jpeg,
                classification=classification,
                products=retrieved.products,
            )
        except gemini.GeminiUnavailable as error:
            backend = backends.OFFLINE
            notices.append(_fallback_notice(error))
    if not advice:
        advice = offline_advice(
            message=message,
            classification=classification,
            products=retrieved.products,
            has_photo=photo is not None,
        )
    return AssistantReply(
        message=message,
        categories=classification.categories,
        number_of_items=classification.number_of_items,
        not_carried=list(classification.not_carried),
        advice=advice,
        products=[selectors.product_card(p, note=notes.get(p.pk, "")) for p in retrieved.products],
        backend=backend,
        notices=notices,
        wants=[asdict(w) | {"categories": list(w.categories)} for w in classification.wants],
        has_photo=photo is not None,
    )


def _fallback_notice(error: gemini.GeminiUnavailable) -> str:
    return f"{error.reason[:1].upper()}{error.reason[1:]}, so the offline assistant answered."


def photo_decode(*, data: bytes, filename: str) -> Image:
    """A shopper's photo through the safe image module, with the upload limits."""
    try:
        return images.decode_image(
            data,
            filename=filename,
            max_bytes=settings.SHOP_UPLOAD_MAX_BYTES,
            max_pixels=settings.SHOP_UPLOAD_MAX_PIXELS,
        )
    except images.ImageRejected as rejected:
        raise AssistantError(rejected.message, status=rejected.status) from None


def assistant_rate_limit(*, key: str, now: float | None = None) -> None:
    """Allow SHOP_ASSISTANT_RATE_PER_MINUTE requests a minute per key, else AssistantError 429."""
    now = time.time() if now is None else now
    cache_key = f"assistant:rate:{key}"
    recent = [t for t in cache.get(cache_key, []) if now - t < RATE_WINDOW_S]
    if len(recent) >= settings.SHOP_ASSISTANT_RATE_PER_MINUTE:
        cache.set(cache_key, recent, RATE_WINDOW_S)
        raise AssistantError(TOO_FAST, status=429)
    recent.append(now)
    cache.set(cache_key, recent, RATE_WINDOW_S)


# --- the conversation ----------------------------------------------------------------


def _turns_to_keep(turns: list[dict[str, Any]], reply: AssistantReply) -> list[dict[str, Any]]:
    turns = [
        *turns,
        {"role": "shopper", "text": reply.message, "photo": reply.has_photo},
        {
            "role": "assistant",
            "advice": reply.advice,
            "backend": reply.backend,
            "notices": reply.notices,
            "not_carried": reply.not_carried,
            "categories": reply.categories,
            "wants": reply.wants,
            "number_of_items": reply.number_of_items,
            "products": reply.products,
        },
    ]
    return turns[-selectors.MAX_TURNS :]


def conversation_append(*, session: MutableMapping[str, Any], reply: AssistantReply) -> None:
    """Add an exchange to the session's conversation, keeping the last few."""
    turns = selectors.conversation_get(session=session)
    session[selectors.SESSION_KEY] = {
        "id": selectors.conversation_id_get(session=session) or uuid.uuid4().hex,
        "turns": _turns_to_keep(turns, reply),
    }


def conversation_reset(*, session: MutableMapping[str, Any]) -> None:
    session.pop(selectors.SESSION_KEY, None)
    session.pop(FLASH_KEY, None)


FLASH_KEY = "assistant_error"


def flash_error(*, session: MutableMapping[str, Any], message: str) -> None:
    """An error to show once in the panel after a redirect (the no-JavaScript path)."""
    session[FLASH_KEY] = message


def flash_pop(*, session: MutableMapping[str, Any]) -> str:
    return str(session.pop(FLASH_KEY, "") or "")


# API conversations live in the cache under an unguessable id, so API clients
# without cookies can keep a conversation going.
API_CONVERSATION_TTL_S = 60 * 60


def api_conversation_get(*, conversation_id: str) -> list[dict[str, Any]]:
    turns = cache.get(f"assistant:conversation:{conversation_id}")
    return list(turns) if isinstance(turns, list) else []


def api_conversation_append(*, conversation_id: str, reply: AssistantReply) -> None:
    turns = api_conversation_get(conversation_id=conversation_id)
    cache.set(
        f"assistant:conversation:{conversation_id}",
        _turns_to_keep(turns, reply),
        API_CONVERSATION_TTL_S,
    )
