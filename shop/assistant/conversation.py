"""Conversations: server-issued ids, turns, and the state that carries across turns.

A conversation is a database row (never evicted by cache pressure). The panel keeps
its id in the shopper's session; the API follows the session when there is one, and
otherwise hands out a signed token (``conversation_id``) that only this server can
make, so a client can neither choose an id nor guess someone else's.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import asdict
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core import signing
from django.db import transaction
from django.utils import timezone

from shop.assistant.exceptions import AssistantError
from shop.assistant.models import Conversation
from shop.assistant.types import MAX_ITEMS, Classification, Want

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
