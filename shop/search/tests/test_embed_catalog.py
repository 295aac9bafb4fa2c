"""`manage.py embed_catalog` on real PostgreSQL with dev-tiny BLIP-2."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from io import StringIO
from pathlib import Path

import numpy as np
import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from conftest import BAD_IMAGES, bad_image_manifest, catalog_load
from shop.catalog.models import Product
from shop.search.embedding import catalog_embed
from shop.search.encoder import Blip2Encoder, EncoderConfig, current_model_id, get_encoder
from shop.search.models import ProductQueryEmbedding

REPO = Path(settings.BASE_DIR)


def _embed(*args: str) -> str:
    out = StringIO()
    call_command("embed_catalog", "--workers", "0", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def _assert_whole_embeddings() -> None:
    """Every embedded product has exactly its 32 query vectors, nothing half-written."""
    embedded = Product.objects.filter(embedding__isnull=False)
    counts = {
        row["product_id"]: row["n"]
        for row in ProductQueryEmbedding.objects.values("product_id").annotate(
            n=__import__("django.db.models", fromlist=["Count"]).Count("id")
        )
    }
    assert set(counts) == set(embedded.values_list("id", flat=True))
    assert set(counts.values()) <= {32}


@pytest.mark.django_db
def test_a_second_run_embeds_nothing_new_and_never_loads_the_model(monkeypatch) -> None:
    import shop.search.encoder

    def no_loading(**kwargs):
        raise AssertionError("the model was loaded with nothing to embed")

    monkeypatch.setattr(shop.search.encoder, "get_encoder", no_loading)
    out = _embed()
    assert "Embedded: 0" in out
    assert "the model was not loaded" in out
    assert Product.objects.needing_embedding(current_model_id()).count() == 0


@pytest.mark.django_db
def test_a_run_with_work_loads_the_model(monkeypatch) -> None:
    import shop.search.encoder

    loads = []
    real = shop.search.encoder.get_encoder

    def counted(**kwargs):
        loads.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(shop.search.encoder, "get_encoder", counted)
    Product.objects.filter(pk=Product.objects.first().pk).update(embedding_model="")
    out = _embed()
    assert "Embedded: 1 " in out
    assert len(loads) == 1


@pytest.mark.django_db
def test_force_re_embeds_a_category_and_leaves_the_rest() -> None:
    product = Product.objects.first()
    before = product.embedded_at
    out = _embed("--force", "--category", product.category.slug)
    expected = Product.objects.filter(category=product.category).count()
    assert f"Embedded: {expected} " in out
    product.refresh_from_db()
    assert product.embedded_at > before
    _assert_whole_embeddings()


@pytest.mark.django_db
def test_limit_and_batch_size_are_respected() -> None:
    Product.objects.update(embedding=None, embedding_model="")
    out = _embed("--limit", "5", "--batch-size", "2")
    assert "Embedded: 5 " in out
    assert Product.objects.filter(embedding__isnull=False).count() == 5


@pytest.mark.django_db
def test_a_model_change_is_detected_and_re_embedded(tmp_path: Path) -> None:
    # A second checkpoint: the same dev-tiny weights loaded from a directory, so its
    # model id (the path) differs, as it would for any other model.
    other_dir = tmp_path / "other-model"
    shutil.copytree(Path(settings.SHOP_DATA_DIR) / "models" / "dev-tiny", other_dir)
    other = Blip2Encoder(EncoderConfig(model=str(other_dir), device="cpu"))
    assert other.model_id != current_model_id()
    total = Product.objects.count()
    assert Product.objects.needing_embedding(other.model_id).count() == total

    summary = catalog_embed(encoder=other, workers=0)
    assert summary.embedded == total
    assert set(Product.objects.values_list("embedding_model", flat=True)) == {other.model_id}
    assert Product.objects.needing_embedding(current_model_id()).count() == total
    _assert_whole_embeddings()


@pytest.mark.django_db
def test_stored_vectors_are_what_the_encoder_makes() -> None:
    from shop import images

    product = Product.objects.order_by("id").first()
    photo = images.decode_image_file(product.image.path)
    encoder = get_encoder()
    expected = encoder.encode_images([photo])[0]
    stored = np.array(
        [
            np.asarray(e.embedding)
            for e in ProductQueryEmbedding.objects.filter(product=product).order_by("query_index")
        ]
    )
    np.testing.assert_allclose(stored, expected, atol=1e-5)
    np.testing.assert_allclose(
        np.asarray(product.embedding), encoder.pooled(expected[None])[0], atol=1e-5
    )


@pytest.mark.django_db
def test_every_bad_image_is_embedded_or_skipped_as_its_manifest_says() -> None:
    Product.objects.update(embedding=None, embedding_model="")
    ProductQueryEmbedding.objects.all().delete()
    template = Product.objects.first()
    rows = bad_image_manifest()
    media = Path(settings.MEDIA_ROOT)
    (media / "bad").mkdir(exist_ok=True)
    expected: dict[int, str] = {}
    for row in rows:
        shutil.copyfile(BAD_IMAGES / row["file"], media / "bad" / row["file"])
        product = Product.objects.create(
            external_id=f"bad/{row['file']}",
            name=row["file"],
            category=template.category,
            image=f"bad/{row['file']}",
        )
        expected[product.pk] = row["expected"]
    summary = catalog_embed(
        encoder=get_encoder(), product_ids=list(expected), workers=2, batch_size=8
    )
    accepted = {pk for pk, verdict in expected.items() if verdict == "accept"}
    embedded = set(
        Product.objects.filter(id__in=expected, embedding__isnull=False).values_list(
            "id", flat=True
        )
    )
    assert embedded == accepted
    assert summary.embedded == len(accepted)
    assert sum(summary.skipped.values()) == len(expected) - len(accepted)
    for pk in accepted:
        assert ProductQueryEmbedding.objects.filter(product_id=pk).count() == 32
    assert not ProductQueryEmbedding.objects.filter(
        product_id__in=set(expected) - accepted
    ).exists()


@pytest.mark.django_db(transaction=True)
def test_a_run_killed_mid_way_loses_nothing_and_duplicates_nothing(
    catalog_subset: Path,
) -> None:
    # Transactional tests see whatever the session set up (or nothing, after
    # another one's flush): start from a known, unembedded catalog.
    catalog_load(catalog_subset, embed=False)
    ProductQueryEmbedding.objects.all().delete()
    Product.objects.update(embedding=None, embedding_model="", embedded_at=None)
    total = Product.objects.count()
    env = {
        **os.environ,
        "SHOP_DB_NAME": connection.settings_dict["NAME"],
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "SHOP_EMBEDDING_MODEL": "dev-tiny",
    }
    command = [sys.executable, "manage.py", "embed_catalog", "--batch-size", "2", "--workers", "0"]
    process = subprocess.Popen(
        command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 120
    try:
        while Product.objects.filter(embedding__isnull=False).count() < 6:
            assert process.poll() is None, process.stdout.read().decode()
            assert time.monotonic() < deadline
            time.sleep(0.02)
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    first = Product.objects.filter(embedding__isnull=False).count()
    assert 6 <= first < total, "the run should have been killed mid-way"
    _assert_whole_embeddings()

    second = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert second.returncode == 0, second.stderr
    assert f"Embedded: {total - first} " in second.stdout
    assert ProductQueryEmbedding.objects.count() == 32 * total
    _assert_whole_embeddings()

    third = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert third.returncode == 0, third.stderr
    assert "Embedded: 0 " in third.stdout
    assert ProductQueryEmbedding.objects.count() == 32 * total


@pytest.mark.django_db
def test_a_photo_replaced_while_embedding_keeps_no_stale_vectors(monkeypatch) -> None:
    from shop.search import embedding

    product = Product.objects.order_by("id").first()
    Product.objects.filter(pk=product.pk).update(embedding=None, embedding_model="")
    original = embedding._photo_pixels

    def decoded_then_replaced(item, **kwargs):
        result = original(item, **kwargs)
        # The merchant saves a new photo between decoding and storing the vectors.
        Product.objects.filter(pk=item[0]).update(image="products/new-photo.jpg")
        return result

    monkeypatch.setattr(embedding, "_photo_pixels", decoded_then_replaced)
    summary = catalog_embed(encoder=get_encoder(), product_ids=[product.pk], workers=0)
    product.refresh_from_db()
    assert summary.embedded == 0
    assert summary.skipped == {"photo changed while embedding": 1}
    assert product.embedding is None
    assert product.pk in Product.objects.needing_embedding(current_model_id()).values_list(
        "id", flat=True
    )
