"""Reading a catalog folder into rows: the Kaggle "Fashion Product Images" layout
(styles.csv, images/<id>.jpg, styles/<id>.json) or one folder of photos per article type.

A row that cannot be read is skipped with a reason (counted in ``skipped``), never a
crash; ``importers`` writes the rows.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TypeVar

from shop import images
from shop.catalog.descriptions import NOT_GIVEN
from shop.catalog.exceptions import CatalogError

# In the Kaggle data "NA" in these attribute columns means "not given". Anywhere
# else (names, ids) it is kept as written.
ATTRIBUTE_COLUMNS = ("gender", "baseColour", "season", "usage", "year")
YEARS = (1900, 2100)
N = TypeVar("N", Decimal, int)


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


def catalog_rows(
    *, path: Path, layout: str, skipped: Counter[str], notes: Counter[str]
) -> Iterator[ProductRow]:
    """The rows of a catalog folder in ``layout`` (``catalog_detect_layout``), in file
    order; unreadable rows are counted in ``skipped``, values read as not given in ``notes``."""
    if layout == "kaggle":
        return _kaggle_rows(path, skipped, notes)
    return _folder_rows(path, skipped)


def _attribute(value: str) -> str:
    value = value.strip()
    return "" if value in NOT_GIVEN else value


def _kaggle_rows(path: Path, skipped: Counter[str], notes: Counter[str]) -> Iterator[ProductRow]:
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
                skipped["broken CSV line (wrong number of fields)"] += 1
                continue
            record = dict(zip(header, line, strict=True))
            for column in ATTRIBUTE_COLUMNS:
                if record.get(column, "").strip() in NOT_GIVEN - {""}:
                    notes[f"{column} '{record[column].strip()}' read as not given"] += 1
            try:
                yield _kaggle_row(path, record, notes)
            except RowSkipped as row_skipped:
                skipped[row_skipped.reason] += 1


def _kaggle_row(path: Path, record: dict[str, str], notes: Counter[str]) -> ProductRow:
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
            notes["unreadable year left empty"] += 1
        else:
            if not YEARS[0] <= year <= YEARS[1]:
                notes["implausible year left empty"] += 1
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
    return _number(text, Decimal, "unreadable price")


def _stock(text: str) -> int | None:
    return _number(text, int, "unreadable stock")


def _number(text: str, read: Callable[[str], N], reason: str) -> N | None:
    """A price or stock cell: None when not given; skips the row when it is not a
    finite number of zero or more ("NaN" included: comparing it raises)."""
    text = text.strip()
    if not text or text in NOT_GIVEN:
        return None
    try:
        value = read(text)
    except (ValueError, InvalidOperation):
        raise RowSkipped(reason) from None
    if (isinstance(value, Decimal) and not value.is_finite()) or value < 0:
        raise RowSkipped(reason)
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


def _folder_rows(path: Path, skipped: Counter[str]) -> Iterator[ProductRow]:
    for folder in sorted(p for p in path.iterdir() if p.is_dir() and not p.name.startswith(".")):
        article_type = folder.name.replace("_", " ").strip()
        if article_type.islower():
            article_type = article_type.title()
        for file in sorted(folder.iterdir()):
            if not file.is_file() or file.name.startswith("."):
                continue
            if file.suffix.lower() not in images.ALLOWED_EXTENSIONS:
                skipped["not a JPEG, PNG or WebP file"] += 1
                continue
            name = file.stem.replace("_", " ").replace("-", " ").strip()
            yield ProductRow(
                external_id=f"{folder.name}/{file.stem}",
                name=name[:1].upper() + name[1:],
                article_type=article_type,
                image_path=file,
            )
