from __future__ import annotations

import uuid

from django.contrib.postgres.fields import ArrayField
from django.db import models

GENDERS = [("", "Anyone"), ("Men", "Men"), ("Women", "Women")]


class Occasion(models.Model):
    """An occasion a shopper names ("a beach holiday", "the gym"), edited in the admin.

    ``words`` are the shopper's words for it (lower case; "gym", "workout");
    ``usages`` the catalog's usage values that suit it ("Sports"), searched first.
    """

    slug = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=60, help_text='How advice names it: "the beach".')
    words = ArrayField(models.CharField(max_length=60), help_text="Lower case shopper words.")
    usages = ArrayField(models.CharField(max_length=50), blank=True, default=list)
    note = models.CharField(
        max_length=200, blank=True, help_text="A short styling note for outfits."
    )

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.name


class OutfitTemplate(models.Model):
    """The slots that make an outfit for an occasion, per gender ("" for anyone).

    Each slot lists article types in order of preference ("Heels | Flats | Sandals");
    the outfit takes the first the catalog has in stock for the shopper and that the
    shopper has not ruled out. Clothing comes first (a top and a bottom, or a one-piece
    such as a dress or a saree), then footwear, then accessories.
    """

    occasion = models.ForeignKey(Occasion, on_delete=models.CASCADE, related_name="outfits")
    gender = models.CharField(max_length=10, choices=GENDERS, blank=True)
    article_types = ArrayField(
        models.CharField(max_length=200),
        help_text=(
            "One slot per entry, clothing first (top and bottom, or a one-piece), then "
            "footwear, then accessories. A slot may hold several article types separated "
            'by "|", in order of preference: "Heels | Flats | Sandals".'
        ),
    )
    note = models.CharField(
        max_length=200,
        blank=True,
        help_text="A styling note for this gender's outfit (else the occasion's note).",
    )

    class Meta:
        ordering = ["occasion", "gender"]
        constraints = [
            models.UniqueConstraint(fields=["occasion", "gender"], name="one_outfit_per_gender")
        ]

    def __str__(self) -> str:
        return f"{self.occasion} ({self.gender or 'anyone'})"


class Conversation(models.Model):
    """An assistant conversation: its turns and the state that carries across them.

    The id is issued by the server, never chosen by a client; a conversation belongs
    to the session that started it (``session_key``) or, without a session, to whoever
    holds its signed token. Rows are not evicted by cache pressure.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    session_key = models.CharField(max_length=64, blank=True, db_index=True)
    turns = models.JSONField(default=list)
    state = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    def __str__(self) -> str:
        return str(self.id)
