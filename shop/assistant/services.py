"""The assistant's flow: rate limit -> photo -> classify -> retrieve -> advise, and the
conversation it keeps."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import MutableMapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Protocol

from django.conf import settings
from django.utils import timezone

from shop import images, ratelimits, uploads
from shop.assistant import backends, gemini, selectors
from shop.assistant.classifier import Classification, budget_in, classify, search_words
from shop.assistant.exceptions import AssistantError
from shop.assistant.models import ApiConversation
from shop.assistant.offline import budget_note, offline_advice
from shop.inputs import clean_text

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile
    from PIL.Image import Image

logger = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = selectors.MAX_MESSAGE_CHARS
RATE_WINDOW_S = ratelimits.WINDOW_S
IP_RATE_FACTOR = ratelimits.ADDRESS_FACTOR
PRUNE_ONE_IN = 200
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


class Conversation(Protocol):
    """Where an exchange is kept: the shopper's session (panel) or its own table (API)."""

    def turns(self) -> list[dict[str, Any]]: ...

    def append(self, reply: AssistantReply) -> None: ...


@dataclass
class SessionConversation:
    session: MutableMapping[str, Any]

    def turns(self) -> list[dict[str, Any]]:
        return selectors.conversation_get(session=self.session)

    def append(self, reply: AssistantReply) -> None:
        conversation_append(session=self.session, reply=reply)


@dataclass
class CachedConversation:
    conversation_id: str

    def turns(self) -> list[dict[str, Any]]:
        return api_conversation_get(conversation_id=self.conversation_id)

    def append(self, reply: AssistantReply) -> None:
        api_conversation_append(conversation_id=self.conversation_id, reply=reply)


@dataclass(frozen=True)
class RateKeys:
    """Who is asking: the session (if the shopper has one) and the client's address."""

    session: str = ""
    ip: str = ""


def assistant_ask(
    *,
    message: str,
    upload: UploadedFile | None,
    conversation: Conversation,
    rate_keys: RateKeys,
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
    assistant_rate_limit(keys=rate_keys)
    photo = None
    if upload is not None:
        try:
            photo = uploads.photo_from_upload(upload=upload)
        except images.ImageRejected as rejected:
            raise AssistantError(rejected.message, status=rejected.status) from None
    reply = assistant_reply(
        message=message, photo=photo, turns=conversation.turns(), deadline_at=deadline_at
    )
    conversation.append(reply)
    return reply


def assistant_reply(
    *,
    message: str,
    photo: Image | None = None,
    turns: Sequence[dict[str, Any]] = (),
    deadline_at: float | None = None,
) -> AssistantReply:
    """Answer one shopper request with products from the catalog and advice.

    Gemini answers when configured; if it fails (after its one retry) or the
    request's deadline (SHOP_ASSISTANT_DEADLINE_S, from ``deadline_at``, a
    ``time.monotonic()`` value) leaves it no time, the offline backend answers
    instead and the reply carries a short notice saying so.

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
                deadline_at=deadline_at,
            )
        except gemini.GeminiUnavailable as error:
            backend = backends.OFFLINE
            notices.append(_fallback_notice(error))
        else:
            # A budget is read the same way whoever classifies, so it is never ignored.
            classification = replace(classification, max_price=budget_in(message))
    if classification is None:
        # A new photo is a new request, not a follow-up to the last answer.
        previous = (
            None
            if photo is not None
            else selectors.previous_classification(turns=list(turns), vocabulary=vocabulary)
        )
        classification = classify(message=message, vocabulary=vocabulary, previous=previous)

    words = " or ".join(search_words(message, vocabulary=vocabulary).split())
    look = photo is not None and not classification.wants and not classification.not_carried
    if look:
        classification, retrieved = selectors.look_products(photo=photo, text=words)
    else:
        retrieved = selectors.assistant_products(
            classification=classification, text=words, photo=photo
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
                look=look,
                deadline_at=deadline_at,
            )
        except gemini.GeminiUnavailable as error:
            backend = backends.OFFLINE
            notices.append(_fallback_notice(error))
        note = budget_note(classification, retrieved.products)
        if advice and note:
            advice = f"{advice} {note}"
    if not advice:
        advice = offline_advice(
            message=message,
            classification=classification,
            products=retrieved.products,
            has_photo=photo is not None,
            look=look,
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


def assistant_rate_limit(*, keys: RateKeys, now: float | None = None) -> None:
    """Allow SHOP_ASSISTANT_RATE_PER_MINUTE requests a minute per session and
    IP_RATE_FACTOR times that per address (by /64 for IPv6), else AssistantError 429.

    Both count: a client that drops its session cookie still has its address. A
    refused request uses up nothing. Counted atomically in the database (see
    shop.ratelimits), so concurrent requests cannot overshoot.
    """
    try:
        ratelimits.client_rate_limit(
            scope="assistant",
            session=keys.session,
            address=keys.ip,
            per_minute=settings.SHOP_ASSISTANT_RATE_PER_MINUTE,
            message=TOO_FAST,
            now=now,
        )
    except ratelimits.RateLimited as limited:
        raise AssistantError(TOO_FAST, status=429, retry_after=limited.retry_after) from None


def assistant_rate_limit_record(*, session: str, now: float | None = None) -> None:
    """Count an ask that was answered before the shopper had a session against it."""
    ratelimits.rate_limit_record(
        keys=[key for key, _factor in ratelimits.rate_keys(scope="assistant", session=session)],
        now=now,
    )


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
    session[selectors.SESSION_KEY] = {"turns": _turns_to_keep(turns, reply)}


def conversation_reset(*, session: MutableMapping[str, Any]) -> None:
    session.pop(selectors.SESSION_KEY, None)


# API conversations live in their own table under an unguessable id, so API clients
# without cookies can keep a conversation going.
API_CONVERSATION_TTL_S = 60 * 60


def api_conversation_get(*, conversation_id: str) -> list[dict[str, Any]]:
    turns = (
        ApiConversation.objects.filter(pk=conversation_id, expires_at__gt=timezone.now())
        .values_list("turns", flat=True)
        .first()
    )
    return list(turns) if isinstance(turns, list) else []


def api_conversation_append(*, conversation_id: str, reply: AssistantReply) -> None:
    turns = api_conversation_get(conversation_id=conversation_id)
    ApiConversation.objects.update_or_create(
        pk=conversation_id,
        defaults={
            "turns": _turns_to_keep(turns, reply),
            "expires_at": timezone.now() + timedelta(seconds=API_CONVERSATION_TTL_S),
        },
    )
    if random.randrange(PRUNE_ONE_IN) == 0:  # noqa: S311 (housekeeping, not security)
        api_conversations_prune()


def api_conversations_prune() -> int:
    """Delete expired API conversations; returns how many."""
    deleted, _ = ApiConversation.objects.filter(expires_at__lte=timezone.now()).delete()
    return deleted
