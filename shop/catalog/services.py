"""Writes to a product: its photo (the shop's own copies) and its full-text search vector.

Importing catalogs lives in ``importers``, embedding photos in ``embedding``; both call
these.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.utils.text import slugify
from PIL.Image import Image as PILImage

from shop import images
from shop.catalog.models import Product

MAIN_IMAGE_SIZE = 1024
THUMBNAIL_SIZE = 400


def product_photo_store(product: Product, decoded: PILImage, *, digest: str) -> None:
    """Write the shop's own copy and thumbnail of a decoded photo (not yet saved).

    The embedding described the old photo, so it is cleared.
    """
    # The name carries the photo's hash: a new photo is a new URL (no stale browser
    # or CDN caches) and never overwrites the file an older row still points to.
    stem = f"{slugify(product.external_id.replace('/', '-'))[:80]}-{digest[:12]}"
    product.image_sha256 = digest
    product.embedding = None
    product.embedding_model = ""
    product.embedded_at = None
    main = images.thumbnail_bytes(decoded, size=MAIN_IMAGE_SIZE, quality=90)
    product.image.save(f"{stem}.jpg", ContentFile(main), save=False)
    thumb = images.thumbnail_bytes(decoded, size=THUMBNAIL_SIZE)
    product.thumbnail.save(f"{stem}.jpg", ContentFile(thumb), save=False)


def product_photo_replace(*, product: Product, data: bytes, filename: str) -> None:
    """Give a product a new photo from a merchant's upload (admin).

    The upload goes through the safe image module like every photo: the shop keeps
    and serves only its re-encoded copy. Raises images.ImageRejected.
    """
    decoded = images.decode_image(data, filename=filename)
    with transaction.atomic():
        product_photo_store(product, decoded, digest=hashlib.sha256(data).hexdigest())
        product.save()
        product.query_embeddings.all().delete()


_SEARCH_VECTOR_SQL = """
UPDATE catalog_product AS p SET search_vector =
    setweight(to_tsvector('english', coalesce(p.name, '')), 'A')
    || setweight(to_tsvector('english', c.name), 'A')
    || setweight(to_tsvector('english', concat_ws(' ', c.sub_category, c.master_category)), 'C')
    || setweight(to_tsvector('english', concat_ws(' ', p.base_colour, p.gender, p.usage,
                                                   p.season)), 'B')
    || setweight(to_tsvector('english', coalesce(
           (SELECT b.name FROM catalog_brand AS b WHERE b.id = p.brand_id), '')), 'A')
    || setweight(to_tsvector('english', regexp_replace(
           concat_ws(' ', p.description, p.style_note, p.materials_care, p.size_fit,
                     (SELECT string_agg(value, ' ') FROM jsonb_each_text(
                         CASE WHEN jsonb_typeof(p.attributes) = 'object'
                              THEN p.attributes ELSE '{}'::jsonb END))),
           '<[^>]*>', ' ', 'g')), 'D')
FROM catalog_category AS c
WHERE c.id = p.category_id
"""


def product_search_vectors_refresh(*, product_ids: Iterable[int]) -> None:
    """Recompute the full-text search vector: name, article type and brand weigh most,
    then colour/gender/occasion/season, category groups, and description words least.

    Done in SQL because the vector spans the product, its category and brand; callers
    that change either (import, admin) call this explicitly.
    """
    ids = list(product_ids)
    if ids:
        with connection.cursor() as cursor:
            cursor.execute(_SEARCH_VECTOR_SQL + " AND p.id = ANY(%s)", [ids])
