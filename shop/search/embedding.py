"""Embedding the catalog's photos with the BLIP-2 encoder: what needs it, decoding in
worker processes, and storing the pooled and query vectors (``embed_catalog``, the
embedding shards of ``shop/jobs``).
"""

from __future__ import annotations

import functools
import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from django.core.files.storage import default_storage
from django.db import connection, transaction

from shop import images
from shop.catalog.models import Product
from shop.search.models import ProductQueryEmbedding
from shop.search.selectors import ProductFilters

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from shop.search.encoder import Blip2Encoder

logger = logging.getLogger(__name__)


@dataclass
class EmbedSummary:
    model_id: str
    embedded: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    @property
    def images_per_second(self) -> float:
        return self.embedded / self.seconds if self.seconds else 0.0

    def lines(self) -> list[str]:
        out = [
            f"Model: {self.model_id}",
            f"Embedded: {self.embedded}  Skipped: {sum(self.skipped.values())}  "
            f"Seconds: {self.seconds:.1f}  Images/s: {self.images_per_second:.1f}",
        ]
        out += [f"  skipped ({reason}): {n}" for reason, n in self.skipped.most_common()]
        return out


def _photo_pixels(
    item: tuple[int, str], *, image_processor: object
) -> tuple[int, np.ndarray | None, str]:
    """(product id, model input or None, why not): runs in the decoding workers."""
    from shop.search.encoder import preprocess

    product_id, path = item
    if not path:
        return product_id, None, "no image"
    try:
        photo = images.decode_image_file(path)
    except FileNotFoundError:
        return product_id, None, "image file missing"
    except images.ImageRejected as rejected:
        return product_id, None, f"image rejected: {rejected.message}"
    return product_id, preprocess(image_processor, [photo])[0], ""


def catalog_embed_pending(
    *,
    model_id: str,
    limit: int | None = None,
    categories: Iterable[str] = (),
    product_ids: Iterable[int] | None = None,
    force: bool = False,
) -> QuerySet[Product]:
    """The products `catalog_embed` would embed for this model id, in id order.

    Known without loading the model (`current_model_id()`), so a run with nothing to
    do never pays for loading it.
    """
    queryset = Product.objects.all() if force else Product.objects.needing_embedding(model_id)
    queryset = ProductFilters(category=tuple(categories)).apply(queryset).order_by("id")
    if product_ids is not None:
        queryset = queryset.filter(id__in=list(product_ids))
    if limit is not None:
        queryset = queryset[:limit]
    return queryset


def catalog_embed(
    *,
    encoder: Blip2Encoder,
    batch_size: int = 32,
    limit: int | None = None,
    categories: Iterable[str] = (),
    product_ids: Iterable[int] | None = None,
    force: bool = False,
    workers: int = 2,
    progress: bool = False,
) -> EmbedSummary:
    """Embed product photos with BLIP-2: 32 query vectors and a pooled vector each.

    By default only products with no embedding, or one made by another model, are
    done. Each batch commits on its own, so a run killed at any point loses only
    the batch in flight and a re-run picks up the rest.
    """
    import time

    from django.db import connections
    from django.utils import timezone
    from tqdm import tqdm

    from shop.search.encoder import parallel_batches

    model_id = encoder.model_id
    queryset = catalog_embed_pending(
        model_id=model_id,
        limit=limit,
        categories=categories,
        product_ids=product_ids,
        force=force,
    )
    photo_names = dict(queryset.values_list("id", "image"))
    items = [(pk, default_storage.path(name) if name else "") for pk, name in photo_names.items()]
    summary = EmbedSummary(model_id=model_id)
    if not items:
        return summary
    if workers and not connection.in_atomic_block:
        # DataLoader workers are forked and never touch the database; closing first
        # keeps them from holding copies of its sockets. Inside a transaction (the
        # admin action, tests) the connection must stay: forked workers leave through
        # os._exit and never close the parent's socket.
        connections.close_all()
    # Decoding and preprocessing both run in the workers: the model only gets pixels.
    load = functools.partial(_photo_pixels, image_processor=encoder.image_processor)
    loader = parallel_batches(items, load, batch_size=batch_size, workers=workers)
    started = time.monotonic()
    bar = tqdm(total=len(items), unit="img", disable=not progress, smoothing=0.1)
    for batch in loader:
        good = [(pk, pixels) for pk, pixels, reason in batch if pixels is not None]
        for pk, _image, reason in batch:
            if reason:
                summary.skipped[reason] += 1
                logger.info("embed: skipped product %s: %s", pk, reason)
        if good:
            query_embeds = encoder.encode_pixels(np.stack([pixels for _pk, pixels in good]))
            pooled = encoder.pooled(query_embeds)
            now = timezone.now()
            with transaction.atomic():
                stored = []
                for (pk, _image), vector in zip(good, pooled, strict=True):
                    # Only if the photo is still the one just embedded (the admin may
                    # have replaced it meanwhile; the next run embeds the new one).
                    if Product.objects.filter(pk=pk, image=photo_names[pk]).update(
                        embedding=vector, embedding_model=model_id, embedded_at=now
                    ):
                        stored.append(pk)
                ProductQueryEmbedding.objects.filter(product_id__in=stored).delete()
                ProductQueryEmbedding.objects.bulk_create(
                    ProductQueryEmbedding(
                        product_id=pk, query_index=q, embedding=np.asarray(vectors[q])
                    )
                    for (pk, _image), vectors in zip(good, query_embeds, strict=True)
                    if pk in stored
                    for q in range(vectors.shape[0])
                )
            summary.embedded += len(stored)
            if len(stored) < len(good):
                summary.skipped["photo changed while embedding"] += len(good) - len(stored)
        bar.update(len(batch))
    bar.close()
    summary.seconds = time.monotonic() - started
    return summary
