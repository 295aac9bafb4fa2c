"""The importer on the full Kaggle layout: styles.csv + images/ + styles/<id>.json."""

from __future__ import annotations

import csv
import json
import shutil
from decimal import Decimal
from pathlib import Path
from unittest import mock

import pytest

from shop.catalog import importers
from shop.catalog.importers import catalog_import
from shop.catalog.models import Brand, Category, Product, ProductVariant
from shop.search.selectors import ProductFilters, product_list

pytestmark = pytest.mark.django_db

PLACEHOLDER = "placeholder price below 1 skipped (imported without a price)"
MOJIBAKE_IDS = ["2645", "34933", "36268", "37207", "55827", "56649"]
DESCRIPTION_FIELDS = ("description", "materials_care", "size_fit", "style_note")


@pytest.fixture
def empty_catalog() -> None:
    Product.objects.all().delete()
    Category.objects.all().delete()


def _catalog(target: Path, ids: list[str], sample: Path, *, styles: bool = True) -> Path:
    """A Kaggle-layout catalog of these sample ids, with their photos and style records."""
    with open(sample / "styles.csv", newline="") as f:
        rows = {row[0]: row for row in csv.reader(f)}
    (target / "images").mkdir(parents=True)
    (target / "styles").mkdir()
    with open(target / "styles.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(rows["id"])
        writer.writerows(rows[i] for i in ids)
    for i in ids:
        shutil.copyfile(sample / "images" / f"{i}.jpg", target / "images" / f"{i}.jpg")
        if styles:
            shutil.copyfile(sample / "styles" / f"{i}.json", target / "styles" / f"{i}.json")
    return target


def _edit_record(catalog: Path, external_id: str, **changes: object) -> None:
    path = catalog / "styles" / f"{external_id}.json"
    document = json.loads(path.read_text())
    document["data"].update(changes)
    path.write_text(json.dumps(document))


def _sizes(external_id: str) -> list[tuple[str, str, int | None, bool]]:
    return [
        (v.size, v.sku, v.stock, v.is_active)
        for v in ProductVariant.objects.filter(product__external_id=external_id)
    ]


def test_prices_brand_sizes_age_group_and_attributes_come_from_the_record(
    empty_catalog, sample_catalog, tmp_path
):
    catalog = _catalog(tmp_path / "cat", ["10000", "1525"], sample_catalog)

    summary = catalog_import(path=catalog)

    assert summary.created == 2
    kids = Product.objects.get(external_id="10000")
    assert (kids.price, kids.list_price) == (Decimal("324.00"), Decimal("649.00"))
    assert kids.brand.name == "Palm Tree"
    assert kids.age_group == "Kids-Girls"
    assert kids.attributes["Pattern"] == "Printed"
    # Myntra's order, one variant per size, untracked stock.
    assert _sizes("10000") == [
        ("2YRS", "10000-2YRS", None, True),
        ("4YRS", "10000-4YRS", None, True),
        ("6YRS", "10000-6YRS", None, True),
        ("8YRS", "10000-8YRS", None, True),
    ]
    bag = Product.objects.get(external_id="1525")
    assert (bag.price, bag.list_price, bag.brand.name) == (Decimal(1299), Decimal(1299), "Puma")
    assert _sizes("1525") == [("One size", "1525-Onesize", None, True)]


@pytest.mark.parametrize("value", ["Onesize", "ONESIZE"])
def test_onesize_in_either_spelling_is_one_variant(
    empty_catalog, sample_catalog, tmp_path, value: str
):
    catalog = _catalog(tmp_path / "cat", ["1525"], sample_catalog)
    options = [{"name": "Size", "value": value, "inventoryCount": 7, "available": True}]
    _edit_record(catalog, "1525", styleOptions=options)

    catalog_import(path=catalog)

    assert _sizes("1525") == [("One size", "1525-Onesize", None, True)]


def test_the_placeholder_price_is_skipped_with_a_reason_and_the_product_still_imported(
    empty_catalog, sample_catalog, tmp_path
):
    catalog = _catalog(tmp_path / "cat", ["24781"], sample_catalog)

    summary = catalog_import(path=catalog)

    assert summary.created == 1
    assert summary.style_skipped == {PLACEHOLDER: 1}
    assert f"  style record skipped ({PLACEHOLDER}): 1" in summary.lines()
    belt = Product.objects.get(external_id="24781")
    assert (belt.price, belt.list_price) == (None, None)
    assert belt.brand.name == "Lino Perros"
    assert not belt.is_available
    # "<p>NA</p>" descriptors are no description at all.
    assert (belt.materials_care, belt.size_fit, belt.style_note) == ("", "", "")


def test_a_price_with_paise_is_kept_to_the_paisa(empty_catalog, sample_catalog, tmp_path):
    catalog_import(path=_catalog(tmp_path / "cat", ["1728"], sample_catalog))

    shoes = Product.objects.get(external_id="1728")
    assert shoes.price == Decimal("599.01")
    assert [size for size, *_ in _sizes("1728")] == [f"EURO{n}" for n in range(37, 47)]


def test_links_are_unwrapped_and_inline_styles_dropped(empty_catalog, sample_catalog, tmp_path):
    catalog_import(path=_catalog(tmp_path / "cat", ["1728", "10012"], sample_catalog))

    shoes = Product.objects.get(external_id="1728")
    assert "round toed sports shoes with central lace up" in shoes.description
    assert "<a" not in shoes.description and "href" not in shoes.description
    tracks = Product.objects.get(external_id="10012")
    assert "<strong>Composition</strong>" in tracks.description
    assert "style=" not in tracks.description and "<span" not in tracks.description
    assert "Machine wash" in tracks.description


def test_scripts_and_attributes_never_survive(empty_catalog, sample_catalog, tmp_path):
    catalog = _catalog(tmp_path / "cat", ["1525"], sample_catalog)
    hostile = (
        '<p onclick="x()">Nice <script>alert(1)</script><img src=x onerror=alert(2)>'
        '<a href="https://other.example/">shop</a> <ul><li><b>bold</b></li></ul></p>'
    )
    _edit_record(catalog, "1525", productDescriptors={"description": {"value": hostile}})

    catalog_import(path=catalog)

    description = Product.objects.get(external_id="1525").description
    assert description.startswith("<p>Nice shop </p><ul><li><b>bold</b></li></ul>")
    for banned in ("script", "alert", "onclick", "<img", "href", "<a"):
        assert banned not in description


def test_mojibake_is_repaired_or_dropped(empty_catalog, sample_catalog, tmp_path):
    catalog_import(path=_catalog(tmp_path / "cat", MOJIBAKE_IDS, sample_catalog))

    for product in Product.objects.all():
        for name in DESCRIPTION_FIELDS:
            text = getattr(product, name)
            for junk in ("\ufffd", "Ã", "Â", "ï»¿", "\ufeff", "â€"):
                assert junk not in text, (product.external_id, name, text)
    dupatta = Product.objects.get(external_id="34933")
    assert dupatta.materials_care.startswith("<p>Cotton mull<br>")
    assert dupatta.description == (
        "<p>Lavender dupatta with tassels and bead-work at the hem and phunka crinkle</p>"
    )
    assert "The model (height 5'8 and chest" in (Product.objects.get(external_id="56649").size_fit)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b'{"data": {"id": 1525, "price": ', "style record is not valid JSON"),
        (b"\xff\xfe{}", "style record is not UTF-8"),
        (b"[1, 2]", "style record has no 'data' object"),
        (b'{"data": {"id": 999}}', "style record is for another product"),
    ],
)
def test_a_malformed_record_skips_only_that_products_extras(
    empty_catalog, sample_catalog, tmp_path, content: bytes, reason: str
):
    catalog = _catalog(tmp_path / "cat", ["1525", "1165"], sample_catalog)
    (catalog / "styles" / "1525.json").write_bytes(content)

    summary = catalog_import(path=catalog)

    assert summary.created == 2
    assert summary.style_skipped == {reason: 1}
    bag = Product.objects.get(external_id="1525")
    assert (bag.price, bag.brand) == (None, None)
    assert _sizes("1525") == [("One size", "1525-Onesize", None, True)]
    assert Product.objects.get(external_id="1165").brand.name == "Nike"
    # Not remembered as imported: the next run reports it again.
    assert catalog_import(path=catalog).style_skipped == {reason: 1}


def test_unreadable_values_in_a_readable_record_are_counted_and_the_rest_kept(
    empty_catalog, sample_catalog, tmp_path
):
    catalog = _catalog(tmp_path / "cat", ["1525"], sample_catalog)
    _edit_record(catalog, "1525", price="abc", discountedPrice=[1], styleOptions="S")

    summary = catalog_import(path=catalog)

    assert summary.style_skipped == {"unreadable list price": 1, "unreadable sale price": 1}
    bag = Product.objects.get(external_id="1525")
    assert (bag.price, bag.brand.name) == (None, "Puma")
    assert _sizes("1525") == [("One size", "1525-Onesize", None, True)]


def test_a_product_without_a_record_gets_one_size(empty_catalog, sample_catalog, tmp_path):
    catalog_import(path=_catalog(tmp_path / "cat", ["1525"], sample_catalog, styles=False))

    assert _sizes("1525") == [("One size", "1525-Onesize", None, True)]
    assert Product.objects.get(external_id="1525").brand is None


def test_stock_in_the_record_is_a_stale_snapshot_and_never_imported(
    empty_catalog, sample_catalog, tmp_path
):
    # 14121's record says one unit of size 32 is available.
    catalog_import(path=_catalog(tmp_path / "cat", ["14121"], sample_catalog))

    assert [stock for _size, _sku, stock, _active in _sizes("14121")] == [None] * 6


def test_a_stock_column_fills_a_one_size_product_but_not_several_sizes(
    empty_catalog, sample_catalog, tmp_path
):
    catalog = _catalog(tmp_path / "cat", ["1525", "10000"], sample_catalog)
    with open(catalog / "styles.csv", newline="") as f:
        rows = list(csv.reader(f))
    with open(catalog / "styles.csv", "w", newline="") as f:
        csv.writer(f).writerows([[*rows[0], "stock"], [*rows[1], "3"], [*rows[2], "5"]])

    summary = catalog_import(path=catalog)

    assert _sizes("1525") == [("One size", "1525-Onesize", 3, True)]
    assert {stock for _size, _sku, stock, _active in _sizes("10000")} == {None}
    assert summary.notes["stock column not applied (several sizes)"] == 1


def test_brands_match_whatever_the_case_and_keep_the_first_spelling(
    empty_catalog, sample_catalog, tmp_path
):
    catalog = _catalog(tmp_path / "cat", ["1525", "1165"], sample_catalog)
    _edit_record(catalog, "1165", brandName="PUMA")

    catalog_import(path=catalog)

    assert list(Brand.objects.values_list("name", flat=True)) == ["Puma"]
    assert Product.objects.filter(brand__name="Puma").count() == 2


def test_an_unchanged_record_is_not_read_again(empty_catalog, sample_catalog, tmp_path):
    catalog = _catalog(tmp_path / "cat", ["10000", "1525", "1728"], sample_catalog)
    catalog_import(path=catalog)

    with mock.patch.object(
        importers, "style_record_parse", autospec=True, side_effect=importers.style_record_parse
    ) as parse:
        summary = catalog_import(path=catalog)

    assert (summary.unchanged, summary.updated, summary.created) == (3, 0, 0)
    parse.assert_not_called()
    assert ProductVariant.objects.count() == 4 + 1 + 10


def test_a_reimport_never_wipes_what_the_merchant_edited(empty_catalog, sample_catalog, tmp_path):
    catalog = _catalog(tmp_path / "cat", ["10000"], sample_catalog)
    catalog_import(path=catalog)
    own_brand = Brand.objects.create(name="House Label", slug="house-label")
    Product.objects.filter(external_id="10000").update(
        price=Decimal("299.00"), brand=own_brand, description="<p>Our words</p>"
    )
    ProductVariant.objects.filter(sku="10000-2YRS").update(stock=5)
    ProductVariant.objects.filter(sku="10000-8YRS").update(stock=0, is_active=False)
    # The source changes every value the merchant edited, and one they did not.
    _edit_record(
        catalog,
        "10000",
        price=699,
        discountedPrice=350,
        brandName="Palm Tree Kids",
        productDescriptors={"description": {"value": "<p>New words</p>"}},
    )

    summary = catalog_import(path=catalog)

    assert summary.updated == 1
    kids = Product.objects.get(external_id="10000")
    assert kids.price == Decimal("299.00")
    assert kids.brand == own_brand
    assert kids.description == "<p>Our words</p>"
    assert kids.list_price == Decimal("699.00")  # not edited: follows the source
    assert summary.notes["merchant's price kept"] == 1
    assert summary.notes["merchant's brand kept"] == 1
    assert _sizes("10000") == [
        ("2YRS", "10000-2YRS", 5, True),
        ("4YRS", "10000-4YRS", None, True),
        ("6YRS", "10000-6YRS", None, True),
        ("8YRS", "10000-8YRS", 0, False),
    ]
    # And again: still the merchant's, and nothing left to do.
    assert catalog_import(path=catalog).unchanged == 1
    assert Product.objects.get(external_id="10000").price == Decimal("299.00")


def test_sizes_that_leave_the_record_are_deactivated_and_come_back(
    empty_catalog, sample_catalog, tmp_path
):
    catalog = _catalog(tmp_path / "cat", ["10000"], sample_catalog)
    catalog_import(path=catalog)
    options = [{"name": "Size", "value": v} for v in ("8YRS", "2YRS")]
    _edit_record(catalog, "10000", styleOptions=options)

    catalog_import(path=catalog)

    active = ProductVariant.objects.filter(product__external_id="10000", is_active=True)
    assert [v.size for v in active] == ["8YRS", "2YRS"]
    options = [{"name": "Size", "value": v} for v in ("2YRS", "4YRS", "8YRS")]
    _edit_record(catalog, "10000", styleOptions=options)
    catalog_import(path=catalog)
    assert [(s, a) for s, _sku, _stock, a in _sizes("10000")] == [
        ("2YRS", True),
        ("4YRS", True),
        ("8YRS", True),
        ("6YRS", False),
    ]


def test_brand_and_description_words_are_searchable(empty_catalog, sample_catalog, tmp_path):
    catalog = _catalog(tmp_path / "cat", ["1728", "1525"], sample_catalog)
    _edit_record(catalog, "1525", brandName="Quokkaware")
    catalog_import(path=catalog)

    def found(words: str) -> list[str]:
        results = product_list(filters=ProductFilters(), q=words)
        return [p.external_id for p in results]

    assert found("quokkaware") == ["1525"]
    assert found("essensole") == ["1728"]  # only in 1728's description
    assert found("nylon") == ["1525"]  # an article attribute (Material)
