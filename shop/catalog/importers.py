"""Importing catalogs: each row read (``import_readers``) is checked against the
columns, written (created or updated in place, with its category, photo, sizes and
keyword index) and counted in a summary of what was created, updated and skipped (and
why). The merchant-editable half of a row's values is ``importing``; the photo copies
and search vectors are ``services``.
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.db import DataError, transaction
from django.utils.text import slugify

from shop import images
from shop.catalog.exceptions import CatalogError
from shop.catalog.import_readers import (
    ProductRow,
    RowSkipped,
    catalog_detect_layout,
    catalog_rows,
)
from shop.catalog.importing import product_sizes_sync, product_values_apply
from shop.catalog.models import Category, Product
from shop.catalog.services import product_photo_store, product_search_vectors_refresh
from shop.catalog.style_records import StyleRecord, StyleRecordRejected, style_record_parse

logger = logging.getLogger(__name__)


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
    rows = catalog_rows(path=path, layout=layout, skipped=summary.skipped, notes=summary.notes)
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
                product_photo_store(product, decoded, digest=digest)
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
