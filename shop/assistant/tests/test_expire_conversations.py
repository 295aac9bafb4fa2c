from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from shop.assistant.conversation import IDLE_DAYS
from shop.assistant.models import Conversation

pytestmark = pytest.mark.django_db


def test_only_conversations_idle_past_the_limit_are_deleted():
    old, recent = Conversation.objects.create(), Conversation.objects.create()
    Conversation.objects.filter(pk=old.pk).update(
        updated_at=timezone.now() - timedelta(days=IDLE_DAYS + 1)
    )
    out = StringIO()

    call_command("expire_conversations", stdout=out)

    assert list(Conversation.objects.values_list("pk", flat=True)) == [recent.pk]
    assert "Deleted 1 conversation(s)" in out.getvalue()
