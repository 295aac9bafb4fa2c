"""Shopper photo uploads (search and the assistant): one path from request to pixels.

The size is checked before the bytes are read, then the safe image module decodes
them. Uploads are read into memory and dropped with the request: never stored or
served. What the shopper sees of their photo is a small JPEG made from the decoded
pixels.
"""

from __future__ import annotations

import base64
import functools
from collections.abc import Callable

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from PIL.Image import Image

from shop import images, ratelimits
from shop.clients import client_address

# Shoppers' photos are decoded to fit this square: the model sees 224 px, Gemini 512,
# the preview 160. A JPEG is decoded at a fraction of its size (see decode_image).
DECODE_SIDE = 1024
TOO_MANY_PHOTOS = "You're searching by photo faster than we can keep up. Please wait a minute."
# Room for the form fields around the photo in a multipart body.
MULTIPART_OVERHEAD = 64 * 1024
REQUEST_TOO_LARGE = "The photo is too large. Please upload a smaller JPEG, PNG or WebP photo."


def request_too_large(request: HttpRequest) -> bool:
    """True when the body announces more than a photo within the limit can need."""
    length = request.META.get("CONTENT_LENGTH") or 0
    try:
        return int(length) > settings.SHOP_UPLOAD_MAX_BYTES + MULTIPART_OVERHEAD
    except ValueError:
        return False


def refuse_oversized_before_csrf(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Let a view that takes photos refuse an oversized body without anything reading it.

    CsrfViewMiddleware reads request.POST (the whole multipart body, spooled to disk)
    before any view runs. Here the size is checked first: an oversized POST reaches
    the view unread, and unchecked for CSRF, so the view must only answer 413 and act
    on nothing (`request_too_large` tells it so); any other request gets the usual
    CSRF check before the view runs.
    """
    protected = csrf_protect(view)

    @csrf_exempt
    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if request.method == "POST" and request_too_large(request):
            return view(request, *args, **kwargs)
        return protected(request, *args, **kwargs)

    return wrapped


def photo_from_upload(*, upload: UploadedFile) -> Image:
    """Decode an uploaded photo, or raise images.ImageRejected (status 400 or 413)."""
    max_bytes = settings.SHOP_UPLOAD_MAX_BYTES
    if upload.size is not None and upload.size > max_bytes:
        raise images.ImageRejected(
            images.TOO_MANY_BYTES.format(megabytes=max_bytes // (1024 * 1024)), status=413
        )
    return images.decode_image(
        upload.read(max_bytes + 1),
        filename=upload.name or "",
        max_bytes=max_bytes,
        max_pixels=settings.SHOP_UPLOAD_MAX_PIXELS,
        max_side=DECODE_SIDE,
    )


def photo_search_rate_limit(request: HttpRequest) -> None:
    """SHOP_PHOTO_SEARCH_RATE_PER_MINUTE photo searches per session, three times that
    per address; else ratelimits.RateLimited (429). Called before the photo is decoded."""
    session = getattr(request, "session", None)
    ratelimits.client_rate_limit(
        scope="photo-search",
        session=(session.session_key or "") if session is not None else "",
        address=client_address(request),
        per_minute=settings.SHOP_PHOTO_SEARCH_RATE_PER_MINUTE,
        message=TOO_MANY_PHOTOS,
    )


def photo_preview_data_uri(*, photo: Image, size: int = 160) -> str:
    """A small JPEG made from the decoded pixels, to show the shopper their photo."""
    data = images.thumbnail_bytes(photo, size=size, quality=80)
    return "data:image/jpeg;base64," + base64.b64encode(data).decode("ascii")
