from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from shop.assistant import services
from shop.assistant.models import ApiConversation

pytestmark = pytest.mark.django_db


def test_an_api_conversation_outlives_hundreds_of_other_shoppers():
    reply = services.assistant_reply(message="a watch")
    first = uuid.uuid4().hex
    services.api_conversation_append(conversation_id=first, reply=reply)
    for _ in range(400):
        services.api_conversation_append(conversation_id=uuid.uuid4().hex, reply=reply)

    assert len(services.api_conversation_get(conversation_id=first)) == 2


def test_an_expired_api_conversation_is_gone_and_pruned():
    reply = services.assistant_reply(message="a watch")
    old, live = uuid.uuid4().hex, uuid.uuid4().hex
    services.api_conversation_append(conversation_id=old, reply=reply)
    services.api_conversation_append(conversation_id=live, reply=reply)
    ApiConversation.objects.filter(pk=old).update(expires_at=timezone.now() - timedelta(seconds=1))

    assert services.api_conversation_get(conversation_id=old) == []
    assert services.api_conversations_prune() == 1
    assert list(ApiConversation.objects.values_list("pk", flat=True)) == [live]
