"""The assistant's flow: rate limit -> photo -> classify -> retrieve -> advise, and the
conversation it keeps."""

from __future__ import annotations

import time
from collections.abc import MutableMapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Protocol

from django.conf import settings

from shop import images, ratelimits, uploads
from shop.assistant import conversation as conversations
from shop.assistant import retrieval, selectors
from shop.assistant import words as w
from shop.assistant.advice import recognised
from shop.assistant.backends import GEMINI, Ask, Found, backend_choice, backend_get, with_fallback
from shop.assistant.exceptions import AssistantError
from shop.assistant.language import parse
from shop.assistant.lexicon import catalog_vocabulary
from shop.assistant.models import Conversation
from shop.assistant.notes import budget_note, constraints_note
from shop.assistant.presentation import product_card
from shop.assistant.rules import search_words
from shop.assistant.types import Want
from shop.inputs import clean_text
from shop.search.colours import colour_family
from shop.search.vocabulary import get_vocabulary

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile
    from PIL.Image import Image

MAX_MESSAGE_CHARS = selectors.MAX_MESSAGE_CHARS
RATE_WINDOW_S = ratelimits.WINDOW_S
IP_RATE_FACTOR = ratelimits.ADDRESS_FACTOR
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
    # Taps that answer the reply's question: (label, message sent).
    quick_replies: list[list[str]] = field(default_factory=list)
    # What carries to the next turn (see ``conversation.state_dump``).
    state: dict[str, Any] = field(default_factory=dict)


class ConversationStore(Protocol):
    """Where an exchange is kept: a Conversation row, found by session or signed token."""

    def turns(self) -> list[dict[str, Any]]: ...

    def state(self) -> dict[str, Any]: ...

    def append(self, reply: AssistantReply) -> None: ...


@dataclass
class SessionConversation:
    """The conversation of the shopper's session; its row is made on the first answer."""

    session: MutableMapping[str, Any]
    _row: Conversation | None = None

    def _conversation(self, *, create: bool) -> Conversation | None:
        if self._row is None:
            self._row = conversations.conversation_for_session(session=self.session, create=create)
        return self._row

    def turns(self) -> list[dict[str, Any]]:
        row = self._conversation(create=False)
        return list(row.turns) if row is not None else []

    def state(self) -> dict[str, Any]:
        row = self._conversation(create=False)
        return dict(row.state) if row is not None else {}

    def append(self, reply: AssistantReply) -> None:
        row = self._conversation(create=True)
        assert row is not None
        conversations.conversation_append(
            conversation=row, turns=_exchange(reply), state=reply.state
        )

    def token(self) -> str:
        row = self._conversation(create=True)
        assert row is not None
        return conversations.conversation_token(row)


@dataclass
class TokenConversation:
    """An API conversation without a session, named by a server-signed token."""

    row: Conversation

    @classmethod
    def from_token(cls, token: str | None) -> TokenConversation:
        """The token's conversation, or a new one; AssistantError (400) for a forged token."""
        if not token:
            return cls(Conversation.objects.create())
        return cls(conversations.conversation_for_token(token=token))

    def turns(self) -> list[dict[str, Any]]:
        return list(self.row.turns)

    def state(self) -> dict[str, Any]:
        return dict(self.row.state)

    def append(self, reply: AssistantReply) -> None:
        conversations.conversation_append(
            conversation=self.row, turns=_exchange(reply), state=reply.state
        )

    def token(self) -> str:
        return conversations.conversation_token(self.row)


@dataclass(frozen=True)
class RateKeys:
    """Who is asking: the session (if the shopper has one) and the client's address."""

    session: str = ""
    ip: str = ""


def assistant_ask(
    *,
    message: str,
    upload: UploadedFile | None,
    conversation: ConversationStore,
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


def _exchange(reply: AssistantReply) -> list[dict[str, Any]]:
    return [
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
            "quick_replies": reply.quick_replies,
        },
    ]


def conversation_reset(*, session: MutableMapping[str, Any]) -> None:
    conversations.conversation_reset(session=session)
