from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models


class RateLimit(models.Model):
    """The recent requests of one client (a session, an address, a /64) in one scope.

    Its own table rather than the cache: a cache may evict a window to make room, and
    a limited client would be free again. ``hits`` holds at most the limit's number
    of timestamps; rows past ``expires_at`` are stale and pruned.
    """

    key = models.CharField(primary_key=True, max_length=120)
    hits = ArrayField(models.FloatField(), default=list)
    expires_at = models.FloatField(db_index=True)

    def __str__(self) -> str:
        return self.key
