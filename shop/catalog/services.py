"""Writes to the catalog: importing catalogs and keeping derived columns current."""

from __future__ import annotations

import csv
import functools
import hashlib
import logging
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import DataError, connection, transaction
from django.utils.text import slugify
from PIL.Image import Image as PILImage

from shop import images

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from shop.catalog.encoder import Blip2Encoder
from shop.catalog.exceptions import CatalogError
from shop.catalog.importing import product_sizes_sync, product_values_apply
from shop.catalog.models import Category, Product, ProductQueryEmbedding
from shop.catalog.selectors import ProductFilters
from shop.catalog.style_records import StyleRecord, StyleRecordRejected, style_record_parse

logger = logging.getLogger(__name__)

# In the Kaggle data "NA" in these attribute columns means "not given". Anywhere
# else (names, ids) it is kept as written.
NOT_GIVEN = {"", "NA", "N/A"}
ATTRIBUTE_COLUMNS = ("gender", "baseColour", "season", "usage", "year")
MAIN_IMAGE_SIZE = 1024
YEARS = (1900, 2100)
THUMBNAIL_SIZE = 400


@dataclass
class ImportSummary:
    layout: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    notes: Counter[str] = field(default_factory=Counter)
    # Products imported without their style record's extras, or without part of them.
    style_skipped: Counter[str] = field(default_factory=Counter)

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())

    def lines(self) -> list[str]:
        out = [
            f"Layout: {self.layout}",
            f"Created: {self.created}  Updated: {self.updated}  Unchanged: {self.unchanged}  "
            f"Skipped: {self.skipped_total}",
        ]
        out += [f"  skipped ({reason}): {n}" for reason, n in self.skipped.most_common()]
        out += [
            f"  style record skipped ({reason}): {n}"
            for reason, n in self.style_skipped.most_common()
        ]
        out += [f"  note ({note}): {n}" for note, n in self.notes.most_common()]
        return out


@dataclass
class ProductRow:
    external_id: str
    name: str
    article_type: str
    image_path: Path
    master_category: str = ""
    sub_category: str = ""
    gender: str = ""
    base_colour: str = ""
    season: str = ""
    year: int | None = None
    usage: str = ""
    price: Decimal | None = None
    stock: int | None = None
    style_path: Path | None = None


class RowSkipped(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def catalog_detect_layout(*, path: Path) -> str:
    if (path / "styles.csv").is_file():
        return "kaggle"
    if path.is_dir() and any(p.is_dir() and not p.name.startswith(".") for p in path.iterdir()):
        return "folders"
    raise CatalogError(
        f"{path} is not a catalog: expected styles.csv with images/<id>.jpg, "
        "or one folder of images per category."
    )


def catalog_import(
    *, path: Path, limit: int | None = None, progress: Callable[[int], None] | None = None
) -> ImportSummary:
    """Import a catalog folder; re-running updates in place and never duplicates.

    Bad rows (broken CSV lines, missing or undecodable images, missing required
    values) are skipped with a reason and counted; the import carries on.
    """
    path = Path(path)
    if not path.is_dir():
        raise CatalogError(f"{path} is not a folder.")
    layout = catalog_detect_layout(path=path)
    summary = ImportSummary(layout=layout)
    rows = _kaggle_rows(path, summary) if layout == "kaggle" else _folder_rows(path, summary)
    seen: set[str] = set()
    for count, row in enumerate(rows, start=1):
        if limit is not None and count > limit:
            break
        if row.external_id in seen:
            summary.skipped["duplicate id in the catalog file"] += 1
            continue
        seen.add(row.external_id)
        try:
            _check_fits(row)
            outcome = _import_row(row, summary)
        except RowSkipped as skipped:
            summary.skipped[skipped.reason] += 1
            logger.info("skipped %s: %s", row.external_id, skipped.reason)
            continue
        setattr(summary, outcome, getattr(summary, outcome) + 1)
        if progress:
            progress(count)
    return summary


def _attribute(value: str) -> str:
    value = value.strip()
    return "" if value in NOT_GIVEN else value


def _kaggle_rows(path: Path, summary: ImportSummary) -> Iterator[ProductRow]:
    with open(path / "styles.csv", newline="", encoding="utf-8-sig", errors="replace") as f:
        reader = csv.reader(f)
        header = next(reader, None)
        if header is None:
            raise CatalogError("styles.csv is empty.")
        header = [h.strip() for h in header]
        missing = [c for c in ("id", "articleType", "productDisplayName") if c not in header]
        if missing:
            raise CatalogError(f"styles.csv lacks the column(s): {', '.join(missing)}.")
        for line in reader:
            if not any(cell.strip() for cell in line):
                continue
            if len(line) != len(header):
                summary.skipped["broken CSV line (wrong number of fields)"] += 1
                continue
            record = dict(zip(header, line, strict=True))
            for column in ATTRIBUTE_COLUMNS:
                if record.get(column, "").strip() in NOT_GIVEN - {""}:
                    summary.notes[f"{column} '{record[column].strip()}' read as not given"] += 1
            try:
                yield _kaggle_row(path, record, summary)
            except RowSkipped as skipped:
                summary.skipped[skipped.reason] += 1


def _kaggle_row(path: Path, record: dict[str, str], summary: ImportSummary) -> ProductRow:
    external_id = record["id"].strip()
    if not external_id:
        raise RowSkipped("missing id")
    name = record["productDisplayName"].strip()
    if not name:
        raise RowSkipped("missing product name")
    article_type = record["articleType"].strip()
    if not article_type:
        raise RowSkipped("missing article type")
    year_text = _attribute(record.get("year", ""))
    year = None
    if year_text:
        try:
            year = int(float(year_text))
        except (ValueError, OverflowError):
            summary.notes["unreadable year left empty"] += 1
        else:
            if not YEARS[0] <= year <= YEARS[1]:
                summary.notes["implausible year left empty"] += 1
                year = None
    return ProductRow(
        external_id=external_id,
        name=name,
        article_type=article_type,
        image_path=_photo_path(path / "images", external_id),
        master_category=_attribute(record.get("masterCategory", "")),
        sub_category=_attribute(record.get("subCategory", "")),
        gender=_attribute(record.get("gender", "")),
        base_colour=_attribute(record.get("baseColour", "")),
        season=_attribute(record.get("season", "")),
        year=year,
        usage=_attribute(record.get("usage", "")),
        price=_decimal(record.get("price", "")),
        stock=_stock(record.get("stock", "")),
        style_path=path / "styles" / f"{external_id}.json",
    )


def _decimal(text: str) -> Decimal | None:
    text = text.strip()
    if not text or text in NOT_GIVEN:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise RowSkipped("unreadable price") from None
    if value < 0 or not value.is_finite():
        raise RowSkipped("unreadable price")
    return value


def _stock(text: str) -> int | None:
    text = text.strip()
    if not text or text in NOT_GIVEN:
        return None
    try:
        value = int(text)
    except ValueError:
        raise RowSkipped("unreadable stock") from None
    if value < 0:
        raise RowSkipped("unreadable stock")
    return value


def _photo_path(folder: Path, external_id: str) -> Path:
    """``folder/<id>.jpg``, refusing an id that would lead out of the folder.

    The id comes from the CSV: ``../../etc/x`` or an absolute path must not choose
    which file the importer reads (and re-serves as a product photo).
    """
    if (
        external_id in (".", "..")
        or "/" in external_id
        or "\\" in external_id
        or "\x00" in external_id
    ):
        raise RowSkipped("id is not a plain file name")
    candidate = folder / f"{external_id}.jpg"
    if not candidate.resolve().is_relative_to(folder.resolve()):
        raise RowSkipped("photo outside the catalog folder")
    return candidate


def _folder_rows(path: Path, summary: ImportSummary) -> Iterator[ProductRow]:
    for folder in sorted(p for p in path.iterdir() if p.is_dir() and not p.name.startswith(".")):
        article_type = folder.name.replace("_", " ").strip()
        if article_type.islower():
            article_type = article_type.title()
        for file in sorted(folder.iterdir()):
            if not file.is_file() or file.name.startswith("."):
                continue
            if file.suffix.lower() not in images.ALLOWED_EXTENSIONS:
                summary.skipped["not a JPEG, PNG or WebP file"] += 1
                continue
            name = file.stem.replace("_", " ").replace("-", " ").strip()
            yield ProductRow(
                external_id=f"{folder.name}/{file.stem}",
                name=name[:1].upper() + name[1:],
                article_type=article_type,
                image_path=file,
            )


def _check_fits(row: ProductRow) -> None:
    """Skip a row whose values the catalog's columns cannot hold (never a crash)."""
    limits = {
        "id": (row.external_id, Product._meta.get_field("external_id").max_length),
        "name": (row.name, Product._meta.get_field("name").max_length),
        "article type": (row.article_type, Category._meta.get_field("name").max_length),
        "master category": (
            row.master_category,
            Category._meta.get_field("master_category").max_length,
        ),
        "sub category": (row.sub_category, Category._meta.get_field("sub_category").max_length),
        "gender": (row.gender, Product._meta.get_field("gender").max_length),
        "colour": (row.base_colour, Product._meta.get_field("base_colour").max_length),
        "season": (row.season, Product._meta.get_field("season").max_length),
        "usage": (row.usage, Product._meta.get_field("usage").max_length),
    }
    for label, (value, max_length) in limits.items():
        if len(value) > max_length:
            raise RowSkipped(f"{label} longer than {max_length} characters")
    if "\x00" in row.external_id + row.name + row.article_type:
        raise RowSkipped("NUL character in a value")


def _category_for(row: ProductRow) -> Category:
    category = Category.objects.filter(name__iexact=row.article_type).first()
    if category is None:
        base = slugify(row.article_type) or "category"
        slug, n = base, 2
        while Category.objects.filter(slug=slug).exists():
            slug, n = f"{base}-{n}", n + 1
        category = Category.objects.create(
            name=row.article_type,
            slug=slug,
            master_category=row.master_category,
            sub_category=row.sub_category,
        )
    elif (row.master_category and not category.master_category) or (
        row.sub_category and not category.sub_category
    ):
        category.master_category = category.master_category or row.master_category
        category.sub_category = category.sub_category or row.sub_category
        category.save(update_fields=["master_category", "sub_category"])
    return category


def _style_record(
    row: ProductRow, existing: Product | None, summary: ImportSummary
) -> tuple[StyleRecord | None, str]:
    """The row's style record when it is new or changed, and the hash to store.

    An unchanged record (same hash) is not read again. One that cannot be read is
    counted and the product is imported without its extras; its hash is not stored,
    so the next run reports it again.
    """
    if row.style_path is None:
        return None, ""
    try:
        data = row.style_path.read_bytes()
    except FileNotFoundError:
        return None, ""
    except OSError:
        summary.style_skipped["style record unreadable"] += 1
        return None, ""
    digest = hashlib.sha256(data).hexdigest()
    if existing is not None and existing.style_sha256 == digest:
        return None, digest
    try:
        record = style_record_parse(data, external_id=row.external_id)
    except StyleRecordRejected as rejected:
        summary.style_skipped[rejected.reason] += 1
        logger.info("style record of %s skipped: %s", row.external_id, rejected.reason)
        return None, ""
    for note in record.notes:
        summary.style_skipped[note] += 1
    return record, digest


def _import_row(row: ProductRow, summary: ImportSummary) -> str:
    """Create or update one product; its keyword index is refreshed in the same
    transaction, so an import killed half-way leaves no product unsearchable."""
    try:
        data = row.image_path.read_bytes()
    except FileNotFoundError:
        raise RowSkipped("image file missing") from None
    except OSError:
        raise RowSkipped("image file unreadable") from None
    digest = hashlib.sha256(data).hexdigest()
    existing = Product.objects.filter(external_id=row.external_id).select_related("brand").first()
    record, style_digest = _style_record(row, existing, summary)
    fields = {
        "name": row.name,
        "gender": row.gender,
        "base_colour": row.base_colour,
        "season": row.season,
        "year": row.year,
        "usage": row.usage,
    }
    # Values a merchant may edit in the admin: set only while they are unedited.
    merchant_values = record.values() if record is not None else {}
    if row.price is not None:
        # The catalog's own price column wins over the style record's sale price.
        merchant_values["price"] = row.price
    image_changed = existing is None or existing.image_sha256 != digest or not existing.image
    decoded = None
    if image_changed:
        try:
            decoded = images.decode_image(data, filename=row.image_path.name)
        except images.ImageRejected as rejected:
            raise RowSkipped(f"image rejected: {rejected.message}") from None

    try:
        with transaction.atomic():
            category = _category_for(row)
            product = existing or Product(external_id=row.external_id)
            changed = image_changed or product.search_vector is None
            if product.category_id != category.pk:
                product.category = category
                changed = True
            for key, value in fields.items():
                if getattr(product, key) != value:
                    setattr(product, key, value)
                    changed = True
            if product_values_apply(
                product=product,
                values=merchant_values,
                is_new=existing is None,
                notes=summary.notes,
            ):
                changed = True
            if style_digest and product.style_sha256 != style_digest:
                product.style_sha256 = style_digest
                changed = True
            if decoded is not None:
                _photo_store(product, decoded, digest=digest)
            if changed:
                product.save()
            if decoded is not None and existing is not None:
                product.query_embeddings.all().delete()
            if product_sizes_sync(
                product=product,
                sizes=record.sizes if record is not None else None,
                stock=row.stock,
                notes=summary.notes,
            ):
                changed = True
            if not changed:
                return "unchanged"
            product_search_vectors_refresh(product_ids=[product.pk])
    except DataError:
        # _check_fits should have caught it; never let one row end the import.
        raise RowSkipped("a value the database cannot store") from None
    return "updated" if existing else "created"


def _photo_store(product: Product, decoded: PILImage, *, digest: str) -> None:
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
        _photo_store(product, decoded, digest=hashlib.sha256(data).hexdigest())
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


# --- embeddings ---------------------------------------------------------------------


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
    from shop.catalog.encoder import preprocess

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

    from shop.catalog.encoder import parallel_batches

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
