"""Concurrent turns in one conversation are all kept (appended under the row's lock)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from shop.assistant.conversation import conversation_append
from shop.assistant.models import Conversation

pytestmark = pytest.mark.django_db(transaction=True)


def _turn(n: int) -> list[dict[str, str]]:
    return [{"role": "user", "text": f"message {n}"}]


def test_an_append_from_a_stale_copy_keeps_the_turns_stored_since():
    conversation = Conversation.objects.create()
    first, second = (Conversation.objects.get(pk=conversation.pk) for _ in range(2))
    conversation_append(conversation=first, turns=_turn(1), state={"n": 1})
    conversation_append(conversation=second, turns=_turn(2), state={"n": 2})
    conversation.refresh_from_db()
    assert [t["text"] for t in conversation.turns] == ["message 1", "message 2"]
    assert conversation.state == {"n": 2}
    assert second.turns == conversation.turns  # the caller's copy is current too


def test_eight_concurrent_turns_are_all_stored():
    conversation = Conversation.objects.create()
    start = threading.Barrier(8)
    errors: list[str] = []

    def shopper(n: int) -> None:
        try:
            row = Conversation.objects.get(pk=conversation.pk)  # each request's own copy
            start.wait()
            conversation_append(conversation=row, turns=_turn(n), state={})
        except Exception as error:  # noqa: BLE001 (reported below)
            errors.append(f"{type(error).__name__}: {error}")
        finally:
            connection.close()

    threads = [threading.Thread(target=shopper, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    conversation.refresh_from_db()
    assert errors == []
    assert sorted(t["text"] for t in conversation.turns) == [f"message {n}" for n in range(8)]
