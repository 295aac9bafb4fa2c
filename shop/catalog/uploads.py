"""Shopper photo uploads: size check before reading, then the safe image module."""

from __future__ import annotations

import base64

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from PIL.Image import Image

from shop import images
from shop.catalog.exceptions import CatalogError


def photo_from_upload(*, upload: UploadedFile) -> Image:
    """Decode an uploaded photo or raise CatalogError (400, or 413 when too large).

    The bytes are read once into memory and dropped with the request: uploads are
    never stored or served.
    """
    max_bytes = settings.SHOP_UPLOAD_MAX_BYTES
    if upload.size is not None and upload.size > max_bytes:
        raise CatalogError(
            images.TOO_MANY_BYTES.format(megabytes=max_bytes // (1024 * 1024)), status=413
        )
    data = upload.read(max_bytes + 1)
    try:
        return images.decode_image(
            data,
            filename=upload.name or "",
            max_bytes=max_bytes,
            max_pixels=settings.SHOP_UPLOAD_MAX_PIXELS,
        )
    except images.ImageRejected as rejected:
        raise CatalogError(rejected.message, status=rejected.status) from None


def photo_preview_data_uri(*, photo: Image, size: int = 160) -> str:
    """A small JPEG made from the decoded pixels, to show the shopper their photo."""
    data = images.thumbnail_bytes(photo, size=size, quality=80)
    return "data:image/jpeg;base64," + base64.b64encode(data).decode("ascii")
