"""The importer's commerce half: merchant-editable values and sizes, kept by re-imports.

Every value an import writes into a field a merchant may edit (prices, brand,
descriptions, attributes, age group) is remembered in ``Product.imported_values``.
On the next import a field still equal to what was imported takes the new value;
one that differs was edited in the admin and is left alone. Sizes are synced by
name; their stock is the merchant's and is never touched after a size is created.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

from django.utils.text import slugify

from shop.catalog.models import ONE_SIZE, Brand, Product, ProductVariant, variant_sku

MERCHANT_FIELDS = (
    "price",
    "list_price",
    "brand",
    "age_group",
    "description",
    "materials_care",
    "size_fit",
    "style_note",
    "attributes",
)
_NEVER_IMPORTED = object()


def _comparable(value: object) -> object:
    """A JSON-able form in which a database value and an imported one compare equal."""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, Brand):
        return value.name
    return value


def _is_empty(value: object) -> bool:
    return value in (None, "", {})


def brand_for(name: str) -> Brand:
    """The brand of that name, matched case-insensitively; the first spelling is kept."""
    brand = Brand.objects.filter(name__iexact=name).first()
    if brand is None:
        base = slugify(name) or "brand"
        slug, n = base, 2
        while Brand.objects.filter(slug=slug).exists():
            slug, n = f"{base}-{n}", n + 1
        brand = Brand.objects.create(name=name, slug=slug)
    return brand


def product_values_apply(
    *, product: Product, values: dict[str, Any], is_new: bool, notes: Counter[str]
) -> bool:
    """Set the imported values the merchant has not edited; True if any field changed."""
    imported = dict(product.imported_values or {})
    changed = False
    for name, value in values.items():
        new = _comparable(value)
        current = _comparable(getattr(product, name))
        last = imported.get(name, _NEVER_IMPORTED)
        # A value there before imports remembered anything was typed by a merchant,
        # unless it is empty.
        untouched = current == last or (last is _NEVER_IMPORTED and _is_empty(current))
        if is_new or untouched:
            if current != new:
                setattr(product, name, brand_for(value) if name == "brand" and value else value)
                changed = True
        elif current != new:
            notes[f"merchant's {name.replace('_', ' ')} kept"] += 1
        if imported.get(name, _NEVER_IMPORTED) != new:
            imported[name] = new
            changed = True
    product.imported_values = imported
    return changed


def product_sizes_sync(
    *, product: Product, sizes: list[str] | None, stock: int | None, notes: Counter[str]
) -> bool:
    """Give the product the record's sizes in its order (or one "One size" when it has
    none); True if anything changed.

    A new size starts untracked, or with the catalog's stock column when the product
    has one size. Sizes that left the record are deactivated, and come back active.
    Existing sizes keep their stock and active flag otherwise (the merchant's).
    """
    variants = {v.size: v for v in product.variants.all()}
    if sizes is None:
        if variants:
            return False
        sizes = [ONE_SIZE]
    if stock is not None and len(sizes) > 1:
        notes["stock column not applied (several sizes)"] += 1
        stock = None
    imported = dict(product.imported_values or {})
    dropped = set(imported.get("dropped_sizes", []))
    changed = False
    for position, size in enumerate(sizes):
        variant = variants.get(size)
        if variant is None:
            sku = variant_sku(product.external_id, size)
            if ProductVariant.objects.filter(sku=sku).exists():
                notes["size skipped (its SKU is already used)"] += 1
                continue
            ProductVariant.objects.create(
                product=product, size=size, sku=sku, stock=stock, position=position
            )
            changed = True
            continue
        updates = []
        if variant.position != position:
            variant.position = position
            updates.append("position")
        if size in dropped and not variant.is_active:
            variant.is_active = True
            updates.append("is_active")
        if updates:
            variant.save(update_fields=updates)
            changed = True
    gone = []
    others = [v for size, v in variants.items() if size not in sizes]
    for position, variant in enumerate(others, start=len(sizes)):
        # Sizes the record no longer lists go after those it does.
        updates = ["position"] if variant.position != position else []
        variant.position = position
        if variant.size in imported.get("sizes", []) and variant.is_active:
            variant.is_active = False
            updates.append("is_active")
            gone.append(variant)
        if updates:
            variant.save(update_fields=updates)
            changed = True
    new_dropped = sorted((dropped - set(sizes)) | {v.size for v in gone})
    if imported.get("sizes") != sizes or imported.get("dropped_sizes", []) != new_dropped:
        imported["sizes"], imported["dropped_sizes"] = sizes, new_dropped
        product.imported_values = imported
        product.save(update_fields=["imported_values"])
    return changed
