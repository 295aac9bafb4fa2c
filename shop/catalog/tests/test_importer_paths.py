from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from shop.catalog.importers import catalog_import
from shop.catalog.models import Product

pytestmark = pytest.mark.django_db

HEADER = ["id", "articleType", "productDisplayName"]


def _catalog(root: Path, sample_catalog: Path, ids: list[str]) -> Path:
    catalog = root / "catalog"
    (catalog / "images").mkdir(parents=True)
    shutil.copyfile(sample_catalog / "images" / "1525.jpg", catalog / "images" / "1525.jpg")
    with open(catalog / "styles.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(HEADER)
        writer.writerows([[row_id, "Tshirts", f"Shirt {row_id}"] for row_id in ids])
    return catalog


@pytest.mark.parametrize(
    "row_id", ["../secret", "../../catalog/secret", "/tmp/secret", "..\\secret", "."]
)
def test_an_id_that_leads_out_of_the_images_folder_is_skipped(tmp_path, sample_catalog, row_id):
    catalog = _catalog(tmp_path, sample_catalog, ["1525", row_id])
    # A real photo where the traversal points: only the check stops it being imported.
    shutil.copyfile(sample_catalog / "images" / "1165.jpg", catalog / "secret.jpg")

    summary = catalog_import(path=catalog)

    assert summary.created == 1
    assert summary.skipped == {"id is not a plain file name": 1}
    assert not Product.objects.filter(external_id=row_id).exists()


def test_a_photo_linked_from_outside_the_catalog_is_skipped(tmp_path, sample_catalog):
    catalog = _catalog(tmp_path, sample_catalog, ["1525", "777"])
    outside = tmp_path / "outside.jpg"
    shutil.copyfile(sample_catalog / "images" / "1165.jpg", outside)
    (catalog / "images" / "777.jpg").symlink_to(outside)

    summary = catalog_import(path=catalog)

    assert summary.created == 1
    assert summary.skipped == {"photo outside the catalog folder": 1}
