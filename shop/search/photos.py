"""Shopper search photos kept server-side under an opaque token, for a while.

Sorting, filtering, paging and refining a photo search reuse the token, so the
shopper never uploads again. What is kept: the photo's pooled BLIP-2 embedding and
a small JPEG made from the decoded pixels; never the uploaded bytes.
"""

from __future__ import annotations

import base64
import secrets
from datetime import timedelta
from typing import TYPE_CHECKING

from django.utils import timezone

from shop import images
from shop.catalog.exceptions import CatalogError
from shop.search.models import SearchPhoto

if TYPE_CHECKING:
    from PIL.Image import Image

PHOTO_TTL = timedelta(hours=6)
PREVIEW_SIZE = 160


def search_photo_store(*, photo: Image) -> SearchPhoto:
    """Embed a decoded photo and keep it under a new token (expired ones are dropped)."""
    from shop.search import selectors

    encoder = selectors._encoder_or_none()
    if encoder is None:
        raise CatalogError(selectors.PHOTO_SEARCH_UNAVAILABLE, status=503)
    embedding = encoder.pooled(encoder.encode_images([photo]))[0]
    search_photos_expire()
    return SearchPhoto.objects.create(
        token=secrets.token_urlsafe(18),
        model_id=encoder.model_id,
        embedding=embedding,
        preview=images.thumbnail_bytes(photo, size=PREVIEW_SIZE, quality=80),
    )


def search_photos_expire() -> int:
    """Delete shoppers' photos older than PHOTO_TTL; returns how many."""
    deleted, _ = SearchPhoto.objects.filter(created_at__lt=timezone.now() - PHOTO_TTL).delete()
    return deleted


def search_photo_get(*, token: str) -> SearchPhoto | None:
    """The photo under ``token``, or None when unknown, expired or from another model."""
    from shop.search.encoder import current_model_id

    photo = SearchPhoto.objects.filter(
        token=token, created_at__gte=timezone.now() - PHOTO_TTL
    ).first()
    if photo is None or photo.model_id != current_model_id():
        return None
    return photo


def preview_data_uri(photo: SearchPhoto) -> str:
    return "data:image/jpeg;base64," + base64.b64encode(bytes(photo.preview)).decode("ascii")
