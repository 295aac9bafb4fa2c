from __future__ import annotations

from django.db import models


class ApiConversation(models.Model):
    """An API client's conversation (the panel keeps its own in the session).

    Its own table rather than the cache, which evicts entries to make room: a
    conversation lasts until it expires, however many shoppers ask meanwhile.
    """

    id = models.CharField(primary_key=True, max_length=64)
    turns = models.JSONField(default=list)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return str(self.id)
