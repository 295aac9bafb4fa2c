"""Reading one Kaggle/Myntra style record (``styles/<id>.json``) into shop values.

The record carries what ``styles.csv`` lacks: list and sale prices (INR), brand, sizes,
HTML descriptions, article attributes and age group. Its stock flags are a stale
snapshot and are never read. A record that cannot be read raises StyleRecordRejected
with a reason; the importer then imports the product without these extras.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import ftfy

from shop.catalog.descriptions import NOT_GIVEN, description_clean
from shop.catalog.models import ONE_SIZE, Brand, Product, ProductVariant, variant_sku

# Below this a price is a placeholder (the sample's 0.1), not a price.
PLACEHOLDER_BELOW = Decimal(1)
MAX_PRICE = Decimal("99999999.99")  # Product.price: 10 digits, 2 decimals
ONE_SIZE_VALUES = {"onesize", "one size", "freesize", "free size"}
DESCRIPTORS = {
    "description": "description",
    "materials_care_desc": "materials_care",
    "size_fit_desc": "size_fit",
    "style_note": "style_note",
}
MAX_ATTRIBUTES = 60
MAX_ATTRIBUTE_LENGTH = 200


class StyleRecordRejected(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class StyleRecord:
    price: Decimal | None = None
    list_price: Decimal | None = None
    brand: str = ""
    age_group: str = ""
    sizes: list[str] = field(default_factory=list)
    descriptions: dict[str, str] = field(default_factory=dict)
    attributes: dict[str, str] = field(default_factory=dict)
    # What was left out of an otherwise readable record, with a reason each.
    notes: list[str] = field(default_factory=list)

    def values(self) -> dict[str, Any]:
        """The product fields this record sets (brand as a name)."""
        return {
            "price": self.price,
            "list_price": self.list_price,
            "brand": self.brand or None,
            "age_group": self.age_group,
            **self.descriptions,
            "attributes": self.attributes,
        }


def _text(value: object) -> str:
    if not isinstance(value, str):
        return ""
    value = ftfy.fix_text(value, uncurl_quotes=False).replace("\ufffd", "").strip()
    return "" if value in NOT_GIVEN else value


def _price(value: object, record: StyleRecord, label: str) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        record.notes.append(f"unreadable {label}")
        return None
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        record.notes.append(f"unreadable {label}")
        return None
    if not amount.is_finite() or amount < 0 or amount > MAX_PRICE:
        record.notes.append(f"unreadable {label}")
        return None
    return amount.quantize(Decimal("0.01"))


def _prices(data: dict[str, Any], record: StyleRecord) -> None:
    list_price = _price(data.get("price"), record, "list price")
    sale = _price(data.get("discountedPrice"), record, "sale price")
    if sale is None:
        sale = list_price
    if sale is not None and sale < PLACEHOLDER_BELOW:
        record.notes.append("placeholder price below 1 skipped (imported without a price)")
        return
    if list_price is not None and list_price < PLACEHOLDER_BELOW:
        list_price = None
    if sale is not None and list_price is not None and sale > list_price:
        record.notes.append("sale price above list price: list price dropped")
        list_price = None
    record.price, record.list_price = sale, list_price


def _sizes(options: object, external_id: str, record: StyleRecord) -> list[str]:
    sizes: list[str] = []
    skus: set[str] = set()
    max_length = ProductVariant._meta.get_field("size").max_length
    for option in options if isinstance(options, list) else []:
        if not isinstance(option, dict):
            continue
        value = _text(option.get("value"))
        if not value:
            continue
        if value.lower() in ONE_SIZE_VALUES:
            value = ONE_SIZE
        if len(value) > max_length:
            record.notes.append(f"size longer than {max_length} characters skipped")
            continue
        sku = variant_sku(external_id, value)
        if sku not in skus:  # "UK 8" and "UK8" are one size
            skus.add(sku)
            sizes.append(value)
    return sizes or [ONE_SIZE]


def _attributes(raw: object, record: StyleRecord) -> dict[str, str]:
    attributes: dict[str, str] = {}
    for key, value in raw.items() if isinstance(raw, dict) else []:
        key, value = _text(key), _text(value)
        if not key or not value:
            continue
        if len(key) > MAX_ATTRIBUTE_LENGTH or len(value) > MAX_ATTRIBUTE_LENGTH:
            record.notes.append("over-long attribute skipped")
            continue
        if len(attributes) == MAX_ATTRIBUTES:
            record.notes.append(f"attributes past the first {MAX_ATTRIBUTES} skipped")
            break
        attributes[key] = value
    return attributes


def _limited(value: str, max_length: int | None, label: str, record: StyleRecord) -> str:
    if max_length is not None and len(value) > max_length:
        record.notes.append(f"{label} longer than {max_length} characters skipped")
        return ""
    return value


def style_record_parse(data: bytes, *, external_id: str) -> StyleRecord:
    """The shop's values from one style record's bytes; raises StyleRecordRejected."""
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise StyleRecordRejected("style record is not UTF-8") from None
    except (json.JSONDecodeError, RecursionError):
        raise StyleRecordRejected("style record is not valid JSON") from None
    payload = document.get("data") if isinstance(document, dict) else None
    if not isinstance(payload, dict):
        raise StyleRecordRejected("style record has no 'data' object")
    if "id" in payload and str(payload["id"]).strip() != external_id:
        raise StyleRecordRejected("style record is for another product")

    record = StyleRecord()
    _prices(payload, record)
    record.brand = _limited(
        _text(payload.get("brandName")), Brand._meta.get_field("name").max_length, "brand", record
    )
    record.age_group = _limited(
        _text(payload.get("ageGroup")),
        Product._meta.get_field("age_group").max_length,
        "age group",
        record,
    )
    record.sizes = _sizes(payload.get("styleOptions"), external_id, record)
    descriptors = payload.get("productDescriptors")
    descriptors = descriptors if isinstance(descriptors, dict) else {}
    for key, field_name in DESCRIPTORS.items():
        entry = descriptors.get(key)
        value = entry.get("value") if isinstance(entry, dict) else None
        record.descriptions[field_name] = description_clean(value if isinstance(value, str) else "")
    record.attributes = _attributes(payload.get("articleAttributes"), record)
    return record
