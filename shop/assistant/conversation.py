"""Conversations: server-issued ids, turns, and the state that carries across turns.

A conversation is a database row (never evicted by cache pressure). The panel keeps
its id in the shopper's session; the API follows the session when there is one, and
otherwise hands out a signed token (``conversation_id``) that only this server can
make, so a client can neither choose an id nor guess someone else's. A reply is kept
through a ``ConversationStore``: ``SessionConversation`` or ``TokenConversation``.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import asdict, dataclass
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from django.core import signing
from django.db import transaction
from django.utils import timezone

from shop.assistant.exceptions import AssistantError
from shop.assistant.models import Conversation
from shop.assistant.types import MAX_ITEMS, AssistantReply, Classification, Want

SESSION_KEY = "assistant_conversation"
TOKEN_SALT = "shop.assistant.conversation"
# Ten exchanges: enough context for follow-ups.
MAX_TURNS = 20
# Products already shown for the same request, left out when the shopper asks for more.
MAX_SHOWN = 60
IDLE_DAYS = 30
UNKNOWN_CONVERSATION = "That conversation_id was not issued by this shop; omit it to start one."


def conversation_token(conversation: Conversation) -> str:
    """The signed id an API client sends back to continue the conversation."""
    # No timestamp: a conversation keeps one token (expiry is the row's, see IDLE_DAYS).
    return signing.Signer(salt=TOKEN_SALT).sign(str(conversation.id))


def conversation_for_session(
    *, session: MutableMapping[str, Any], create: bool = True
) -> Conversation | None:
    """The session's conversation (made on first use if ``create``)."""
    conversation_id = session.get(SESSION_KEY)
    session_key = getattr(session, "session_key", None) or ""
    if conversation_id:
        conversation = Conversation.objects.filter(pk=_uuid(conversation_id)).first()
        if conversation is not None:
            return conversation
    if not create:
        return None
    conversation = Conversation.objects.create(session_key=session_key)
    session[SESSION_KEY] = str(conversation.id)
    return conversation


def conversation_for_token(*, token: str) -> Conversation:
    """The conversation a signed token names; a new one if it has since expired.

    A token this server did not sign is an AssistantError (400).
    """
    try:
        conversation_id = signing.Signer(salt=TOKEN_SALT).unsign(token)
    except signing.BadSignature:
        raise AssistantError(UNKNOWN_CONVERSATION) from None
    conversation = Conversation.objects.filter(pk=_uuid(conversation_id)).first()
    return conversation or Conversation.objects.create()


def conversation_reset(*, session: MutableMapping[str, Any]) -> None:
    conversation_id = session.pop(SESSION_KEY, None)
    if conversation_id:
        Conversation.objects.filter(pk=_uuid(conversation_id)).delete()


def conversation_turns(*, session: MutableMapping[str, Any]) -> list[dict[str, Any]]:
    """The session's turns so far, oldest first, without creating anything."""
    conversation = conversation_for_session(session=session, create=False)
    return list(conversation.turns) if conversation is not None else []


def conversation_append(
    *, conversation: Conversation, turns: list[dict[str, Any]], state: dict[str, Any]
) -> None:
    """Add an exchange to the turns *stored*, under the row's lock.

    Turns sent at once in one conversation each read the row before answering; without
    the lock, each would write its own copy and only the last would be kept.
    """
    with transaction.atomic():
        stored = (
            Conversation.objects.select_for_update()
            .filter(pk=conversation.pk)
            .values_list("turns", flat=True)
            .first()
        )
        conversation.turns = [*(stored or []), *turns][-MAX_TURNS:]
        conversation.state = state
        conversation.save(update_fields=["turns", "state", "updated_at"])


def conversations_expire(*, now: Any = None) -> int:
    """Delete conversations idle for IDLE_DAYS; returns how many."""
    cutoff = (now or timezone.now()) - timedelta(days=IDLE_DAYS)
    deleted, _ = Conversation.objects.filter(updated_at__lt=cutoff).delete()
    return deleted


def state_dump(
    classification: Classification, *, shown: list[int], prices: dict[str, str]
) -> dict[str, Any]:
    """What carries to the next turn, as JSON. ``prices``: want key -> the lowest price
    shown for it (what "cheaper" is measured against)."""
    return {
        "wants": [asdict(x) | {"categories": list(x.categories)} for x in classification.wants],
        "number_of_items": classification.number_of_items,
        "excluded": list(classification.excluded),
        "max_price": None if classification.max_price is None else str(classification.max_price),
        "gender": classification.gender,
        "colour": classification.colour,
        "occasion": classification.occasion,
        "size": classification.size,
        "outfit": classification.outfit,
        "asked": classification.asked,
        "cheaper": classification.cheaper,
        "cheaper_than": {key: str(price) for key, price in classification.cheaper_than},
        "shown": shown[-MAX_SHOWN:],
        "prices": dict(list(prices.items())[:MAX_SHOWN]),
    }


def state_load(
    state: Any, *, names: set[str]
) -> tuple[Classification | None, list[int], dict[str, Decimal]]:
    """(previous classification, product ids shown, the lowest price shown per want key)
    from a stored state.

    Article types the catalog no longer has are dropped; anything malformed is ignored.
    """
    if not isinstance(state, dict) or not state:
        return None, [], {}
    wants = tuple(
        Want(
            words=str(x.get("words", "")),
            categories=tuple(c for c in x.get("categories", []) if c in names),
            count=_count(x.get("count")),
            gender=str(x.get("gender") or ""),
        )
        for x in state.get("wants", [])
        if isinstance(x, dict)
    )
    previous = Classification(
        wants=tuple(x for x in wants if x.categories),
        number_of_items=_count(state.get("number_of_items")) or 1,
        excluded=tuple(c for c in state.get("excluded", []) if c in names),
        max_price=_decimal(state.get("max_price")),
        gender=str(state.get("gender") or ""),
        colour=str(state.get("colour") or ""),
        occasion=str(state.get("occasion") or ""),
        size=str(state.get("size") or ""),
        outfit=bool(state.get("outfit")),
        asked=str(state.get("asked") or ""),
        cheaper=bool(state.get("cheaper")),
        cheaper_than=tuple(_prices(state.get("cheaper_than")).items()),
    )
    shown = [i for i in state.get("shown", []) if isinstance(i, int)]
    return previous, shown, _prices(state.get("prices"))


def _prices(value: Any) -> dict[str, Decimal]:
    # A list is the state of an older release (prices without their wants): dropped.
    if not isinstance(value, dict):
        return {}
    prices = {str(key): _decimal(price) for key, price in value.items()}
    return {key: price for key, price in prices.items() if price is not None}


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and 1 <= value <= MAX_ITEMS else None


def _decimal(value: Any) -> Decimal | None:
    try:
        return None if value is None else Decimal(str(value))
    except InvalidOperation:
        return None


def _uuid(value: Any) -> Any:
    import uuid

    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


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
            self._row = conversation_for_session(session=self.session, create=create)
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
        conversation_append(conversation=row, turns=_exchange(reply), state=reply.state)

    def token(self) -> str:
        row = self._conversation(create=True)
        assert row is not None
        return conversation_token(row)


@dataclass
class TokenConversation:
    """An API conversation without a session, named by a server-signed token."""

    row: Conversation

    @classmethod
    def from_token(cls, token: str | None) -> TokenConversation:
        """The token's conversation, or a new one; AssistantError (400) for a forged token."""
        if not token:
            return cls(Conversation.objects.create())
        return cls(conversation_for_token(token=token))

    def turns(self) -> list[dict[str, Any]]:
        return list(self.row.turns)

    def state(self) -> dict[str, Any]:
        return dict(self.row.state)

    def append(self, reply: AssistantReply) -> None:
        conversation_append(conversation=self.row, turns=_exchange(reply), state=reply.state)

    def token(self) -> str:
        return conversation_token(self.row)


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
