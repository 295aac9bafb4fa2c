from __future__ import annotations

import csv
import hashlib
import io
import shutil
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db.models import F
from PIL import Image

from conftest import write_subset
from shop.catalog.importers import catalog_import
from shop.catalog.models import Brand, Category, Product, ProductVariant
from shop.search.selectors import ProductFilters, product_list

pytestmark = pytest.mark.django_db

HEADER = [
    "id",
    "gender",
    "masterCategory",
    "subCategory",
    "articleType",
    "baseColour",
    "season",
    "year",
    "usage",
    "productDisplayName",
]
# Files the image module must refuse although their names end in .jpg (MANIFEST.csv
# marks them "reject"): a GIF, a HEIF, a TIFF fuzz crash, an empty file, an OLE doc,
# a truncated JPEG.
REJECTED_AS_JPG = [
    "renamed_gif_as.jpg",
    "renamed_heif_as.jpg",
    "renamed_fuzz_crash_tiff_as.jpg",
    "selfmade_empty.jpg",
    "selfmade_ole_doc_as.jpg",
    "truncated_jpeg.jpg",
]


@pytest.fixture
def empty_catalog() -> None:
    """Start from no products (the session subset is restored when the test rolls back)."""
    Product.objects.all().delete()
    Category.objects.all().delete()


@pytest.fixture
def styles(sample_catalog: Path) -> dict[str, list[str]]:
    with open(sample_catalog / "styles.csv", newline="") as f:
        rows = list(csv.reader(f))
    return {row[0]: row for row in rows[1:]}


@pytest.fixture
def bad_images(sample_catalog: Path) -> Path:
    folder = sample_catalog.parent / "bad-images"
    with open(folder / "MANIFEST.csv", newline="") as f:
        expected = {row["file"]: row["expected"] for row in csv.DictReader(f)}
    assert all(expected[name] == "reject" for name in REJECTED_AS_JPG)
    return folder


def _write_catalog(
    target: Path, rows: list[list[str]], sample_catalog: Path, *, header: list[str] = HEADER
) -> Path:
    """A Kaggle-layout catalog from the given rows; photos copied from the sample by id."""
    (target / "images").mkdir(parents=True, exist_ok=True)
    with open(target / "styles.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    for row in rows:
        source = sample_catalog / "images" / f"{row[0]}.jpg"
        if source.exists():
            shutil.copyfile(source, target / "images" / f"{row[0]}.jpg")
    return target


# Kaggle layout -------------------------------------------------------------------------


def test_it_imports_every_row_of_a_kaggle_subset(empty_catalog, sample_catalog, tmp_path):
    catalog = write_subset(sample_catalog, tmp_path / "cat", size=12)

    summary = catalog_import(path=catalog)

    assert summary.layout == "kaggle"
    assert (summary.created, summary.updated, summary.unchanged) == (12, 0, 0)
    assert summary.skipped_total == 0
    assert Product.objects.count() == 12
    with open(catalog / "styles.csv", newline="") as f:
        ids = {row["id"] for row in csv.DictReader(f)}
    assert set(Product.objects.values_list("external_id", flat=True)) == ids


def test_it_stores_the_fields_of_a_known_row(empty_catalog, sample_catalog, tmp_path, styles):
    assert styles["1525"][9] == "Puma Deck Navy Blue Backpack"
    catalog = _write_catalog(tmp_path / "cat", [styles["1525"]], sample_catalog)

    catalog_import(path=catalog)

    product = Product.objects.select_related("category").get(external_id="1525")
    assert product.name == "Puma Deck Navy Blue Backpack"
    assert product.gender == "Unisex"
    assert product.category.name == "Backpacks"
    assert product.category.slug == "backpacks"
    assert product.category.master_category == "Accessories"
    assert product.category.sub_category == "Bags"
    assert product.base_colour == "Navy Blue"
    assert product.season == "Fall"
    assert product.year == 2010
    assert product.usage == "Casual"
    assert product.price is None
    assert product.stock is None
    assert product.is_active is True
    assert product.search_vector is not None


def test_the_stored_image_and_thumbnail_are_re_encoded_jpegs_not_the_source_bytes(
    empty_catalog, sample_catalog, tmp_path, styles
):
    catalog = _write_catalog(tmp_path / "cat", [styles["1525"]], sample_catalog)
    source = (catalog / "images" / "1525.jpg").read_bytes()

    catalog_import(path=catalog)

    product = Product.objects.get(external_id="1525")
    assert product.image_sha256 == hashlib.sha256(source).hexdigest()
    for field in (product.image, product.thumbnail):
        with field.open("rb") as f:
            stored = f.read()
        assert stored != source
        with Image.open(io.BytesIO(stored)) as im:
            assert im.format == "JPEG"
            assert im.mode == "RGB"
            assert max(im.size) <= 1024
    with product.thumbnail.open("rb") as f, Image.open(io.BytesIO(f.read())) as thumb:
        assert max(thumb.size) <= 400


def test_re_running_an_import_changes_nothing(empty_catalog, sample_catalog, tmp_path):
    catalog = write_subset(sample_catalog, tmp_path / "cat", size=10)
    catalog_import(path=catalog)
    before = dict(Product.objects.values_list("external_id", "updated_at"))

    summary = catalog_import(path=catalog)

    assert (summary.created, summary.updated, summary.unchanged) == (0, 0, 10)
    assert summary.skipped_total == 0
    assert Product.objects.count() == 10
    assert dict(Product.objects.values_list("external_id", "updated_at")) == before


def test_re_importing_the_session_subset_finds_it_all_unchanged(catalog_subset):
    summary = catalog_import(path=catalog_subset)

    assert (summary.created, summary.updated, summary.unchanged) == (0, 0, 80)
    assert Product.objects.count() == 80


def test_a_changed_row_is_updated_in_place(empty_catalog, sample_catalog, tmp_path, styles):
    rows = [styles["1525"], styles["1165"]]
    catalog = _write_catalog(tmp_path / "cat", rows, sample_catalog)
    catalog_import(path=catalog)
    pk = Product.objects.get(external_id="1525").pk
    changed = [*rows[0][:5], "Olive", *rows[0][6:]]
    _write_catalog(tmp_path / "cat", [changed, rows[1]], sample_catalog)

    summary = catalog_import(path=catalog)

    assert (summary.created, summary.updated, summary.unchanged) == (0, 1, 1)
    product = Product.objects.get(external_id="1525")
    assert product.pk == pk
    assert product.base_colour == "Olive"
    assert Product.objects.count() == 2


def test_a_changed_photo_is_re_encoded_and_its_embedding_dropped(
    empty_catalog, sample_catalog, tmp_path, styles
):
    catalog = _write_catalog(tmp_path / "cat", [styles["1525"]], sample_catalog)
    catalog_import(path=catalog)
    Product.objects.filter(external_id="1525").update(
        embedding=[0.1] * 256, embedding_model="dev-tiny"
    )
    shutil.copyfile(sample_catalog / "images" / "1165.jpg", catalog / "images" / "1525.jpg")

    summary = catalog_import(path=catalog)

    assert summary.updated == 1
    product = Product.objects.get(external_id="1525")
    new_source = (sample_catalog / "images" / "1165.jpg").read_bytes()
    assert product.image_sha256 == hashlib.sha256(new_source).hexdigest()
    assert product.embedding is None
    assert product.embedding_model == ""


def test_na_in_usage_is_stored_empty_and_counted_in_a_note(
    empty_catalog, sample_catalog, tmp_path, styles
):
    row = styles["6835"]
    assert row[8] == "NA"
    catalog = _write_catalog(tmp_path / "cat", [row, styles["1525"]], sample_catalog)

    summary = catalog_import(path=catalog)

    assert summary.created == 2
    assert Product.objects.get(external_id="6835").usage == ""
    assert Product.objects.get(external_id="1525").usage == "Casual"
    assert summary.notes["usage 'NA' read as not given"] == 1
    assert any("usage 'NA' read as not given" in line for line in summary.lines())


def test_a_product_name_containing_na_is_kept_as_written(
    empty_catalog, sample_catalog, tmp_path, styles
):
    first = [*styles["1525"][:9], "NA Trendz Navy Backpack NA"]
    second = [*styles["1165"][:9], "NA"]
    catalog = _write_catalog(tmp_path / "cat", [first, second], sample_catalog)

    summary = catalog_import(path=catalog)

    assert summary.created == 2
    assert Product.objects.get(external_id="1525").name == "NA Trendz Navy Backpack NA"
    assert Product.objects.get(external_id="1165").name == "NA"
    assert not summary.notes


def test_broken_csv_lines_are_skipped_while_the_rest_import(
    empty_catalog, sample_catalog, tmp_path, styles
):
    catalog = _write_catalog(tmp_path / "cat", [styles["1525"], styles["1165"]], sample_catalog)
    with open(catalog / "styles.csv", "a") as f:
        f.write("1572,Men,Apparel,Bottomwear,Track Pants,Black,Fall,2010,Sports,Kalenji,Extra\n")
        f.write("1604,Women,Apparel\n")
    shutil.copyfile(sample_catalog / "images" / "1572.jpg", catalog / "images" / "1572.jpg")

    summary = catalog_import(path=catalog)

    assert summary.created == 2
    assert summary.skipped == {"broken CSV line (wrong number of fields)": 2}
    assert set(Product.objects.values_list("external_id", flat=True)) == {"1525", "1165"}


def test_a_row_whose_image_is_missing_is_skipped(empty_catalog, sample_catalog, tmp_path, styles):
    catalog = _write_catalog(tmp_path / "cat", [styles["1525"], styles["1165"]], sample_catalog)
    (catalog / "images" / "1165.jpg").unlink()

    summary = catalog_import(path=catalog)

    assert summary.created == 1
    assert summary.skipped == {"image file missing": 1}
    assert not Product.objects.filter(external_id="1165").exists()


def test_rows_whose_image_cannot_be_decoded_are_skipped(
    empty_catalog, sample_catalog, tmp_path, styles, bad_images
):
    good = [styles["1525"], styles["1165"]]
    ids = [row_id for row_id in styles if row_id not in ("1525", "1165")][: len(REJECTED_AS_JPG)]
    bad = [styles[row_id] for row_id in ids]
    catalog = _write_catalog(tmp_path / "cat", good, sample_catalog)
    with open(catalog / "styles.csv", "a", newline="") as f:
        csv.writer(f).writerows(bad)
    for row_id, name in zip(ids, REJECTED_AS_JPG, strict=True):
        shutil.copyfile(bad_images / name, catalog / "images" / f"{row_id}.jpg")

    summary = catalog_import(path=catalog)

    assert summary.created == 2
    assert summary.skipped_total == len(REJECTED_AS_JPG)
    assert all(reason.startswith("image rejected: ") for reason in summary.skipped)
    assert set(Product.objects.values_list("external_id", flat=True)) == {"1525", "1165"}


def test_rows_missing_an_article_type_name_or_id_are_skipped(
    empty_catalog, sample_catalog, tmp_path, styles
):
    no_type = [*styles["1572"][:4], "", *styles["1572"][5:]]
    no_name = [*styles["1604"][:9], "  "]
    no_id = ["", *styles["1165"][1:]]
    catalog = _write_catalog(
        tmp_path / "cat", [styles["1525"], no_type, no_name, no_id], sample_catalog
    )

    summary = catalog_import(path=catalog)

    assert summary.created == 1
    assert summary.skipped == {
        "missing article type": 1,
        "missing product name": 1,
        "missing id": 1,
    }
    assert Product.objects.count() == 1


def test_a_repeated_id_in_the_catalog_file_is_imported_once(
    empty_catalog, sample_catalog, tmp_path, styles
):
    catalog = _write_catalog(tmp_path / "cat", [styles["1525"], styles["1525"]], sample_catalog)

    summary = catalog_import(path=catalog)

    assert summary.created == 1
    assert summary.skipped == {"duplicate id in the catalog file": 1}
    assert Product.objects.count() == 1


# A cell that is no price or stock skips its row; "NaN" too (comparing it raises).
@pytest.mark.parametrize(
    ("price", "stock", "reason"),
    [
        ("abc", "1", "unreadable price"),
        ("NaN", "1", "unreadable price"),
        ("999", "-1", "unreadable stock"),
    ],
)
def test_price_and_stock_columns_are_used_when_present(
    empty_catalog, sample_catalog, tmp_path, styles, price, stock, reason
):
    header = [*HEADER, "price", "stock"]
    rows = [[*styles["1525"], "1299.50", "4"], [*styles["1165"], price, stock]]
    catalog = _write_catalog(tmp_path / "cat", rows, sample_catalog, header=header)

    summary = catalog_import(path=catalog)

    assert summary.created == 1
    assert summary.skipped == {reason: 1}
    product = Product.objects.get(external_id="1525")
    assert str(product.price) == "1299.50"
    assert product.stock == 4


def test_an_imported_stock_of_zero_is_sold_out_and_any_other_stock_buyable(
    empty_catalog, sample_catalog, tmp_path, styles
):
    header = [*HEADER, "price", "stock"]
    rows = [[*styles["1525"], "999", "0"], [*styles["1165"], "999", "3"]]
    catalog_import(path=_write_catalog(tmp_path / "cat", rows, sample_catalog, header=header))

    flags = dict(Product.objects.values_list("external_id", "in_stock"))
    assert flags == {"1525": False, "1165": True}


def test_an_import_without_prices_keeps_a_price_typed_in_the_admin(
    empty_catalog, sample_catalog, tmp_path, styles
):
    catalog = _write_catalog(tmp_path / "cat", [styles["1525"]], sample_catalog)
    catalog_import(path=catalog)
    Product.objects.filter(external_id="1525").update(price="799.00")
    ProductVariant.objects.filter(product__external_id="1525").update(stock=2)

    summary = catalog_import(path=catalog)

    assert summary.unchanged == 1
    product = Product.objects.get(external_id="1525")
    assert str(product.price) == "799.00"
    assert product.stock == 2


def test_the_limit_stops_after_that_many_rows(empty_catalog, sample_catalog, tmp_path):
    catalog = write_subset(sample_catalog, tmp_path / "cat", size=10)

    summary = catalog_import(path=catalog, limit=3)

    assert summary.created == 3
    assert Product.objects.count() == 3


# Folder-per-category layout ------------------------------------------------------------


@pytest.fixture
def folder_catalog(sample_catalog: Path, bad_images: Path, tmp_path: Path) -> Path:
    root = tmp_path / "folders"
    photos = sample_catalog / "images"
    (root / "backpacks").mkdir(parents=True)
    (root / "Sports Shoes").mkdir()
    (root / ".hidden").mkdir()
    shutil.copyfile(photos / "1525.jpg", root / "backpacks" / "navy_day-pack.jpg")
    shutil.copyfile(photos / "1165.jpg", root / "backpacks" / "red_roll_top.jpg")
    shutil.copyfile(photos / "1572.jpg", root / "Sports Shoes" / "Trail runner.jpg")
    shutil.copyfile(photos / "1604.jpg", root / ".hidden" / "secret.jpg")
    (root / "backpacks" / "notes.txt").write_text("not a photo")
    shutil.copyfile(bad_images / "renamed_gif_as.jpg", root / "Sports Shoes" / "broken.jpg")
    return root


def test_the_folder_layout_imports_one_article_type_per_folder(empty_catalog, folder_catalog):
    summary = catalog_import(path=folder_catalog)

    assert summary.layout == "folders"
    assert summary.created == 3
    assert summary.skipped["not a JPEG, PNG or WebP file"] == 1
    assert (
        summary.skipped[
            "image rejected: Unsupported image format. Please upload a JPEG, PNG or WebP photo."
        ]
        == 1
    )
    assert summary.skipped_total == 2
    names = dict(Product.objects.values_list("external_id", "name"))
    assert names == {
        "backpacks/navy_day-pack": "Navy day pack",
        "backpacks/red_roll_top": "Red roll top",
        "Sports Shoes/Trail runner": "Trail runner",
    }
    categories = dict(Product.objects.values_list("external_id", "category__name"))
    assert categories["backpacks/navy_day-pack"] == "Backpacks"
    assert categories["Sports Shoes/Trail runner"] == "Sports Shoes"


def test_the_folder_layout_re_runs_without_duplicates(empty_catalog, folder_catalog):
    catalog_import(path=folder_catalog)

    summary = catalog_import(path=folder_catalog)

    assert (summary.created, summary.updated, summary.unchanged) == (0, 0, 3)
    assert Product.objects.count() == 3
    assert Category.objects.count() == 2


def test_the_folder_layout_joins_an_existing_article_type_of_the_same_name(
    empty_catalog, folder_catalog
):
    backpacks = Category.objects.create(
        name="Backpacks", slug="backpacks", master_category="Accessories", sub_category="Bags"
    )

    catalog_import(path=folder_catalog)

    product = Product.objects.get(external_id="backpacks/navy_day-pack")
    assert product.category == backpacks
    assert Category.objects.filter(name__iexact="backpacks").count() == 1
    assert Category.objects.count() == 2


# The management command ------------------------------------------------------------------


def test_the_command_imports_and_prints_a_summary(empty_catalog, sample_catalog, tmp_path):
    catalog = write_subset(sample_catalog, tmp_path / "cat", size=5)
    out = io.StringIO()

    call_command("import_catalog", str(catalog), stdout=out)

    assert Product.objects.count() == 5
    assert "Layout: kaggle" in out.getvalue()
    assert "Created: 5  Updated: 0  Unchanged: 0  Skipped: 0" in out.getvalue()


def test_the_command_honours_the_limit(empty_catalog, sample_catalog, tmp_path):
    catalog = write_subset(sample_catalog, tmp_path / "cat", size=5)

    call_command("import_catalog", str(catalog), "--limit", "2", stdout=io.StringIO())

    assert Product.objects.count() == 2


def test_the_command_refuses_a_folder_that_is_not_a_catalog(tmp_path):
    (tmp_path / "readme.txt").write_text("just a file")

    with pytest.raises(CommandError, match="is not a catalog"):
        call_command("import_catalog", str(tmp_path), stdout=io.StringIO())


def test_the_command_refuses_a_path_that_does_not_exist(tmp_path):
    with pytest.raises(CommandError, match="is not a folder"):
        call_command("import_catalog", str(tmp_path / "nowhere"), stdout=io.StringIO())


def test_the_command_refuses_a_styles_csv_without_the_needed_columns(tmp_path):
    (tmp_path / "styles.csv").write_text("id,colour\n1,Red\n")

    with pytest.raises(CommandError, match="articleType"):
        call_command("import_catalog", str(tmp_path), stdout=io.StringIO())


# The whole sample catalog ------------------------------------------------------------------


def test_it_imports_the_whole_sample_catalog(empty_catalog, sample_catalog, styles):
    article_types = {row[4].strip() for row in styles.values()}

    summary = catalog_import(path=sample_catalog)

    assert summary.created == len(styles) == 1151
    assert summary.skipped_total == 0
    assert Product.objects.count() == 1151
    assert Category.objects.count() == len(article_types) == 105
    assert summary.notes["usage 'NA' read as not given"] == 16
    # The style records (README of the sample): one placeholder price, 225 brands,
    # 3,891 sizes, never a stock figure from the stale snapshot.
    assert summary.style_skipped == {
        "placeholder price below 1 skipped (imported without a price)": 1
    }
    assert Brand.objects.count() == 225
    assert Product.objects.filter(price__isnull=True).count() == 1
    assert Product.objects.filter(list_price__gt=F("price")).count() == 140
    assert ProductVariant.objects.count() == 3891
    assert not ProductVariant.objects.filter(stock__isnull=False).exists()
    # 329 Onesize/ONESIZE, and 5253's "FREESIZE" is one size too.
    assert Product.objects.filter(variants__size="One size").count() == 329 + 1
    # 1150 records have a description; 50552's and 38193's say only "<p>NA</p>".
    assert Product.objects.exclude(description="").count() == 1150 - 2


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("productDisplayName", "x" * 400, "name longer than 300 characters"),
        ("articleType", "T" * 150, "article type longer than 100 characters"),
        ("baseColour", "c" * 80, "colour longer than 50 characters"),
    ],
)
def test_values_too_long_for_the_catalog_skip_the_row_not_the_import(
    empty_catalog, sample_catalog, tmp_path, styles, field: str, value: str, reason: str
) -> None:
    rows = [list(styles["1525"]), list(styles["1165"])]
    rows[0][HEADER.index(field)] = value
    summary = catalog_import(path=_write_catalog(tmp_path / "cat", rows, sample_catalog))
    assert summary.skipped == {reason: 1}
    assert summary.created == 1
    assert Product.objects.filter(external_id="1165").exists()


@pytest.mark.parametrize("year", ["inf", "99999", "-5", "1e400"])
def test_an_impossible_year_is_left_empty_and_the_import_carries_on(
    empty_catalog, sample_catalog, tmp_path, styles, year: str
) -> None:
    rows = [list(styles["1525"]), list(styles["1165"])]
    rows[0][HEADER.index("year")] = year
    summary = catalog_import(path=_write_catalog(tmp_path / "cat", rows, sample_catalog))
    assert (summary.created, summary.skipped_total) == (2, 0)
    assert Product.objects.get(external_id="1525").year is None


def test_an_import_killed_half_way_leaves_every_imported_product_findable(
    empty_catalog, sample_catalog, tmp_path, styles
) -> None:
    rows = [styles["1525"], styles["1165"], styles["1528"]]
    catalog = _write_catalog(tmp_path / "cat", rows, sample_catalog)

    def stop_after_two(count: int) -> None:
        if count == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        catalog_import(path=catalog, progress=stop_after_two)
    for row in rows[:2]:
        product = Product.objects.get(external_id=row[0])
        assert product.search_vector is not None
        word = product.name.split()[-1]
        assert product_list(filters=ProductFilters(), q=word).filter(pk=product.pk).exists()
