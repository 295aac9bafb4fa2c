"""Project-wide test set-up: real PostgreSQL + pgvector, real sample data."""

from __future__ import annotations

import csv
import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.test.utils import override_settings

# Playwright's sync API runs an event loop in the test thread; Django then refuses
# ORM calls from it unless told this is fine (it is: tests are single-threaded).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

SUBSET_SIZE = 80


BAD_IMAGES = settings.SHOP_SHARED_DIR / "data" / "bad-images"


def pytest_configure(config: pytest.Config) -> None:
    for folder in (settings.SHOP_SAMPLE_CATALOG, BAD_IMAGES):
        if not folder.is_dir():
            raise pytest.UsageError(
                f"The shared test data is missing at {folder}; set SHOP_SHARED_DIR to the "
                "folder holding data/fashion-products and data/bad-images."
            )


def bad_image_manifest() -> list[dict[str, str]]:
    """The rows of shared/data/bad-images/MANIFEST.csv: what each hostile file must get."""
    with open(BAD_IMAGES / "MANIFEST.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 81, "the corpus has 81 files"
    return rows


def reject_status(row: dict[str, str]) -> int:
    """413 for a bomb in an accepted format (too large to process), else 400."""
    allowed = Path(row["file"]).suffix.lower() in {".jpg", ".jpeg", ".png", ".webp"}
    return 413 if row["kind"] == "bomb" and allowed else 400


@pytest.fixture(scope="session", autouse=True)
def _media_root(tmp_path_factory: pytest.TempPathFactory):
    """Tests write product images into a throwaway media folder, never var/media.

    They embed with dev-tiny, the tiny random BLIP-2 that runs the real code path, with
    an fp32 text tower: search tests hold scores to transformers' fp32 reference. The
    int8 text tower (the default on CPU) is held to fp32 in test_encoder.
    """
    from shop.search.encoder import get_encoder

    with override_settings(
        MEDIA_ROOT=tmp_path_factory.mktemp("media"),
        # The task engine's periodic build must not write beside the real ones.
        SHOP_SEARCH_ACCELERATOR_DIR=tmp_path_factory.mktemp("search-accelerator"),
        SHOP_EMBEDDING_MODEL="dev-tiny",
        SHOP_EMBEDDING_QUANTIZE_TEXT=False,
    ):
        get_encoder.cache_clear()
        yield
    get_encoder.cache_clear()


@pytest.fixture(autouse=True)
def _fresh_fragments():
    """Menus cached in memory ("fragments") are a test's own, as the cache table's
    rows (rolled back with each test) always were."""
    from django.core.cache import caches

    caches["fragments"].clear()


@pytest.fixture(scope="session")
def sample_catalog() -> Path:
    return settings.SHOP_SAMPLE_CATALOG


def write_subset(source: Path, target: Path, *, size: int, stride: int = 1) -> Path:
    """A small real catalog in the Kaggle layout: a slice of the shared styles.csv."""
    (target / "images").mkdir(parents=True)
    with open(source / "styles.csv", newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    chosen = body[::stride][:size]
    with open(target / "styles.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(chosen)
    for row in chosen:
        shutil.copyfile(source / "images" / f"{row[0]}.jpg", target / "images" / f"{row[0]}.jpg")
    return target


@pytest.fixture(scope="session")
def catalog_subset(sample_catalog: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Every 14th row spreads the subset over many article types.
    return write_subset(
        sample_catalog, tmp_path_factory.mktemp("subset"), size=SUBSET_SIZE, stride=14
    )


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker, catalog_subset: Path, _media_root):
    """The test database holds a real catalog subset, imported and embedded once.

    Tests that use transactional_db (live server, subprocesses) run after the others
    (pytest-django orders them so) and bring their own data: a flush empties it.
    """
    from shop.catalog.importers import catalog_import
    from shop.search import relevance
    from shop.search.embedding import catalog_embed
    from shop.search.encoder import get_encoder

    with django_db_blocker.unblock():
        summary = catalog_import(path=catalog_subset)
        assert summary.created == SUBSET_SIZE, summary.lines()
        embedded = catalog_embed(encoder=get_encoder(), workers=0)
        assert embedded.embedded == SUBSET_SIZE, embedded.lines()
        # The relevance floors once, outside any test's transaction: measured lazily
        # inside one, they would be rolled back and measured again by the next search.
        relevance.calibration_get(encoder=get_encoder())


@pytest.fixture
def search_floors():
    """Sets dev-tiny's stored relevance floors: ``search_floors(text=-2.0, image=-2.0)``.

    dev-tiny's vectors are random, so which products pass its measured floors is
    chance; a floor of -2 lets every vector match count, 2 lets none.
    """
    from shop.search.encoder import get_encoder
    from shop.search.models import SearchCalibration

    def set_floors(*, text: float, image: float) -> None:
        SearchCalibration.objects.update_or_create(
            model_id=get_encoder().model_id,
            defaults={"text_floor": text, "image_floor": image, "texts": 1, "pairs": 1},
        )

    return set_floors


def catalog_load(path: Path, *, embed: bool = True) -> None:
    """Import (and embed) a catalog inside a transactional test."""
    from shop.catalog.importers import catalog_import
    from shop.search.embedding import catalog_embed
    from shop.search.encoder import get_encoder

    catalog_import(path=path)
    if embed:
        catalog_embed(encoder=get_encoder(), workers=0)


def blip2_reference_itc(model_dir: Path, photos: list, texts: list[str]):
    """transformers' own Blip2ForImageTextRetrieval ITC output for photos x texts.

    The reference our scoring is held to: ``logits_per_image`` [photos, texts] is the
    maximum over the 32 query embeddings, raw cosine with no temperature.
    """
    import torch
    from transformers import AutoProcessor, Blip2ForImageTextRetrieval

    reference = Blip2ForImageTextRetrieval.from_pretrained(model_dir).eval()
    processor = AutoProcessor.from_pretrained(model_dir)
    pixels = processor.image_processor(images=photos, return_tensors="pt")["pixel_values"]
    tokens = processor.tokenizer(
        texts, padding=True, return_token_type_ids=False, return_tensors="pt"
    )
    with torch.inference_mode():
        return reference(
            pixel_values=pixels,
            input_ids=tokens["input_ids"],
            attention_mask=tokens["attention_mask"],
            use_image_text_matching_head=False,
        )


# --- browser tests -----------------------------------------------------------------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
BROWSER_TIMEOUT_MS = 15_000


@pytest.fixture(scope="module")
def _restore_catalog_subset(django_db_setup, django_db_blocker, catalog_subset: Path):
    """live_server flushes the database after each test; put the session subset back.

    Module scope, so this runs after the flush and before the next module's tests.
    Asking for django_db_setup here also makes the test database outlive the live
    server, which otherwise still holds a connection when the database is dropped.
    """
    yield
    with django_db_blocker.unblock():
        catalog_load(catalog_subset)


@pytest.fixture
def page(live_server, _restore_catalog_subset):
    """A Debian Chromium page driven by Playwright (its own browser download can't work).

    Read what a test needs from the database *before* asking for this fixture: under
    Playwright's sync API the ORM would open a connection per context that the test
    database teardown cannot close.
    """
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.set_default_timeout(BROWSER_TIMEOUT_MS)
            yield page
        finally:
            browser.close()
