"""The BLIP-2 encoder, tested for real on dev-tiny: a tiny randomly initialised BLIP-2
retrieval model saved with save_pretrained and loaded with from_pretrained."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from conftest import blip2_reference_itc
from shop.search.encoder import (
    DEV_TINY,
    DEV_TINY_MARKER,
    DEV_TINY_VERSION,
    Blip2Encoder,
    EncoderConfig,
    EncoderUnavailable,
    build_dev_tiny,
)

REPO_ROOT = Path(__file__).resolve().parents[3]
SHARED_DIR = Path(os.environ.get("SHOP_SHARED_DIR", REPO_ROOT.parent / "shared"))
PRODUCT_IMAGES = SHARED_DIR / "data" / "fashion-products" / "images"
TEXTS = [
    "red floral summer dress",
    "blue denim jeans for men",
    "black leather boots",
    "gold necklace",
]


def _synthetic_images() -> list[Image.Image]:
    rng = np.random.default_rng(7)
    images = [
        Image.new("RGB", (96, 128), colour) for colour in ("red", "navy", "white", "black", "olive")
    ]
    for i in range(4):
        images.append(Image.fromarray(rng.integers(0, 256, (80 + 10 * i, 100, 3), dtype=np.uint8)))
    ramp = np.linspace(0, 255, 120, dtype=np.uint8)
    images.append(Image.fromarray(np.stack([np.tile(ramp, (90, 1))] * 3, axis=-1)))
    stripes = np.zeros((100, 100, 3), dtype=np.uint8)
    stripes[::10] = (255, 200, 0)
    stripes[1::10] = (255, 200, 0)
    images.append(Image.fromarray(stripes))
    checks = (np.indices((8, 8)).sum(axis=0) % 2 * 255).astype(np.uint8).repeat(12, 0).repeat(12, 1)
    images.append(Image.fromarray(checks, mode="L"))  # greyscale: the processor must convert it
    for shape, fill in (
        ("ellipse", "pink"),
        ("rectangle", "teal"),
        ("ellipse", "brown"),
        ("rectangle", "gold"),
    ):
        img = Image.new("RGB", (110, 110), "white")
        getattr(ImageDraw.Draw(img), shape)((15, 25, 95, 90), fill=fill)
        images.append(img)
    return images


def _product_images(n: int) -> list[Image.Image]:
    paths = sorted(PRODUCT_IMAGES.glob("*.jpg"))[:n] if PRODUCT_IMAGES.is_dir() else []
    return [Image.open(path).convert("RGB") for path in paths]


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("shop-data")


@pytest.fixture(scope="session")
def encoder(data_dir: Path) -> Blip2Encoder:
    return Blip2Encoder(EncoderConfig(model=DEV_TINY, device="cpu", data_dir=data_dir))


@pytest.fixture(scope="session")
def images() -> list[Image.Image]:
    return _synthetic_images() + _product_images(4)


def test_dev_tiny_is_saved_with_save_pretrained_under_the_data_dir(
    encoder: Blip2Encoder, data_dir: Path
) -> None:
    model_dir = data_dir / "models" / DEV_TINY
    for name in (
        "config.json",
        "model.safetensors",
        "processor_config.json",
        "tokenizer_config.json",
        DEV_TINY_MARKER,
    ):
        assert (model_dir / name).is_file(), name
    assert not [p for p in model_dir.parent.iterdir() if p.name.startswith(".")], (
        "temporary build dirs left behind"
    )
    assert encoder.text.qformer is encoder.vision.qformer, "one Q-Former copy, not two"
    assert (encoder.model_id, encoder.is_dev_tiny, encoder.dim, encoder.num_query_tokens) == (
        f"{DEV_TINY}@{DEV_TINY_VERSION}",
        True,
        256,
        32,
    )


def test_image_embeddings_are_32_unit_query_vectors_per_image(
    encoder: Blip2Encoder, images: list
) -> None:
    q = encoder.encode_images(images)

    assert q.shape == (len(images), 32, 256)
    assert q.dtype == np.float32
    assert np.isfinite(q).all()
    np.testing.assert_allclose(np.linalg.norm(q, axis=-1), 1.0, atol=1e-5)
    pooled = Blip2Encoder.pooled(q)
    cosines = pooled @ pooled.T
    # A random tiny model sees mostly-white pictures as alike, but must tell the
    # solid colours apart and spread the rest out.
    assert cosines[:5, :5][~np.eye(5, dtype=bool)].max() < 0.99
    assert np.median(cosines[~np.eye(len(images), dtype=bool)]) < 0.9


def test_text_embeddings_are_unit_vectors_that_differ_per_text(encoder: Blip2Encoder) -> None:
    v = encoder.encode_texts(TEXTS)

    assert v.shape == (len(TEXTS), 256)
    assert v.dtype == np.float32
    assert np.isfinite(v).all()
    np.testing.assert_allclose(np.linalg.norm(v, axis=-1), 1.0, atol=1e-5)
    assert (v @ v.T)[~np.eye(len(TEXTS), dtype=bool)].max() < 0.99
    assert len({tuple(encoder.tokenizer(t)["input_ids"]) for t in TEXTS}) == len(TEXTS)


# Words outside dev-tiny's fashion list: brands, nonsense, typos, other subjects.
UNLISTED = ["nike", "spaceship", "zzzz", "submarine", "snekers", "puma", "qwpoeiru", "t-shirt"]


def test_dev_tiny_spells_any_word_in_pieces_and_tells_words_apart(encoder: Blip2Encoder) -> None:
    unknown = encoder.tokenizer.unk_token_id
    ids = [encoder.tokenizer(word)["input_ids"] for word in UNLISTED]
    assert all(unknown not in word_ids for word_ids in ids)
    assert len({tuple(word_ids) for word_ids in ids}) == len(UNLISTED)
    vectors = encoder.encode_texts(UNLISTED)
    cosines = vectors @ vectors.T
    assert cosines[~np.eye(len(UNLISTED), dtype=bool)].max() < 0.9999


def test_encoding_is_deterministic_and_independent_of_batching(
    encoder: Blip2Encoder, images: list
) -> None:
    np.testing.assert_array_equal(
        encoder.encode_images(images[:6]), encoder.encode_images(images[:6])
    )
    np.testing.assert_allclose(
        encoder.encode_images(images[:6], batch_size=4),
        encoder.encode_images(images[:6]),
        atol=1e-5,
    )
    np.testing.assert_allclose(
        encoder.encode_texts(TEXTS, batch_size=3), encoder.encode_texts(TEXTS), atol=1e-5
    )
    assert encoder.encode_images([]).shape == (0, 32, 256)
    assert encoder.encode_texts([]).shape == (0, 256)


def test_two_builds_have_identical_weights(
    encoder: Blip2Encoder, data_dir: Path, tmp_path: Path
) -> None:
    from safetensors.numpy import load_file

    first = load_file(data_dir / "models" / DEV_TINY / "model.safetensors")
    second = load_file(build_dev_tiny(tmp_path / DEV_TINY) / "model.safetensors")

    assert first.keys() == second.keys()
    for name in first:
        np.testing.assert_array_equal(first[name], second[name], err_msg=name)
    assert np.abs(first["query_tokens"]).max() > 0, "all-zero query tokens give NaNs in fp16"


def test_a_complete_build_is_reused_and_a_stale_one_rebuilt(tmp_path: Path) -> None:
    target = build_dev_tiny(tmp_path / DEV_TINY)
    weights = target / "model.safetensors"
    stamp = weights.stat().st_mtime_ns

    assert build_dev_tiny(target) == target
    assert weights.stat().st_mtime_ns == stamp

    (target / DEV_TINY_MARKER).write_text("0\n")
    build_dev_tiny(target)
    assert (target / DEV_TINY_MARKER).read_text().strip() != "0"
    assert sorted(p.name for p in tmp_path.iterdir()) == [DEV_TINY]


def test_itc_scores_match_blip2_for_image_text_retrieval(
    encoder: Blip2Encoder, data_dir: Path, images: list
) -> None:
    out = blip2_reference_itc(data_dir / "models" / DEV_TINY, images, TEXTS)
    expected = out.logits_per_image.numpy()  # [images, texts]: raw cosine, no temperature

    q = encoder.encode_images(images)
    v = encoder.encode_texts(TEXTS)
    ours = np.stack([Blip2Encoder.itc_scores(q, v[j]) for j in range(len(TEXTS))], axis=1)

    assert expected.shape == ours.shape == (len(images), len(TEXTS))
    np.testing.assert_allclose(q, out.image_embeds.numpy(), atol=1e-5)
    np.testing.assert_allclose(v, out.text_embeds.numpy(), atol=1e-5)
    np.testing.assert_allclose(ours, expected, atol=1e-5)
    for j in range(len(TEXTS)):
        np.testing.assert_array_equal(np.argsort(-ours[:, j]), np.argsort(-expected[:, j]))
    # Guard against a degenerate model that would make the comparison vacuous.
    assert expected.std(axis=0).min() > 1e-3
    assert len({int(np.argmax(expected[:, j])) for j in range(len(TEXTS))}) > 1


def test_pooled_is_the_renormalised_mean_of_the_queries(
    encoder: Blip2Encoder, images: list
) -> None:
    q = encoder.encode_images(images[:5])
    mean = q.mean(axis=1)

    pooled = Blip2Encoder.pooled(q)

    np.testing.assert_allclose(
        pooled, mean / np.linalg.norm(mean, axis=1, keepdims=True), atol=1e-6
    )
    np.testing.assert_allclose(np.linalg.norm(pooled, axis=1), 1.0, atol=1e-5)


def test_int8_quantization_on_cpu_stays_close_to_fp32(
    encoder: Blip2Encoder, data_dir: Path, images: list
) -> None:
    import torch

    quantized = Blip2Encoder(
        EncoderConfig(model=DEV_TINY, device="cpu", quantize=True, data_dir=data_dir)
    )
    assert quantized.quantized
    assert not isinstance(
        quantized.vision.qformer.encoder.layer[0].attention.attention.query, torch.nn.Linear
    )
    assert not isinstance(quantized.vision.vision_model.encoder.layers[0].mlp.fc1, torch.nn.Linear)
    assert not isinstance(
        quantized.text.qformer.encoder.layer[0].intermediate.dense, torch.nn.Linear
    )
    assert quantized.text.qformer is quantized.vision.qformer
    assert isinstance(quantized.vision.vision_projection, torch.nn.Linear)
    assert isinstance(quantized.text.text_projection, torch.nn.Linear)

    q32, q8 = encoder.encode_images(images), quantized.encode_images(images)
    v32, v8 = encoder.encode_texts(TEXTS), quantized.encode_texts(TEXTS)

    assert not np.array_equal(q32, q8)
    # Per-query cosines dip lower (about 0.94 at worst) on this tiny model with its
    # deliberately large random weights; the vectors search actually uses stay close
    # (0.980 at worst for dev-tiny@4's draw of weights; the real model's pooled
    # cosines are 0.9997 at worst, README "Measured here").
    assert np.sum(Blip2Encoder.pooled(q32) * Blip2Encoder.pooled(q8), axis=1).min() >= 0.975
    assert np.sum(v32 * v8, axis=1).min() >= 0.99
    assert np.sum(q32 * q8, axis=-1).mean() >= 0.98


def test_a_missing_local_directory_is_reported_with_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(EncoderUnavailable, match="SHOP_EMBEDDING_MODEL") as excinfo:
        Blip2Encoder(
            EncoderConfig(model=str(tmp_path / "no-such-model"), device="cpu", data_dir=tmp_path)
        )
    assert DEV_TINY in str(excinfo.value)
    assert "local directory" in str(excinfo.value)


def test_an_uncached_hub_id_offline_is_reported_with_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import huggingface_hub.constants

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    # huggingface_hub reads the variable once at import, which has already happened.
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)

    with pytest.raises(EncoderUnavailable) as excinfo:
        Blip2Encoder(
            EncoderConfig(model="shop-tests/no-such-blip2-model", device="cpu", data_dir=tmp_path)
        )

    message = str(excinfo.value)
    assert "shop-tests/no-such-blip2-model" in message
    assert "Salesforce/blip2-itm-vit-g" in message
    assert DEV_TINY in message


def test_a_checkpoint_missing_the_text_half_is_refused(
    encoder: Blip2Encoder, tmp_path: Path
) -> None:
    encoder.vision.save_pretrained(tmp_path)  # vision-only: no word embeddings, no text projection

    with pytest.raises(EncoderUnavailable, match="missing or mismatched weights"):
        Blip2Encoder(EncoderConfig(model=str(tmp_path), device="cpu", data_dir=tmp_path))


def test_an_unknown_device_is_rejected() -> None:
    with pytest.raises(ValueError, match="device"):
        EncoderConfig(model=DEV_TINY, device="tpu")


def test_importing_the_module_does_not_import_torch_transformers_or_django() -> None:
    code = (
        "import sys, shop.search.encoder; "
        "loaded = [m for m in ('torch', 'transformers', 'django') if m in sys.modules]; "
        "assert not loaded, loaded"
    )
    subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, check=True, timeout=60)


def test_get_encoder_reads_django_settings_once(tmp_path: Path) -> None:
    code = textwrap.dedent(
        f"""
        from pathlib import Path
        from django.conf import settings
        settings.configure(SHOP_EMBEDDING_MODEL="dev-tiny", SHOP_EMBEDDING_DEVICE="cpu",
                           SHOP_DATA_DIR=Path({str(tmp_path)!r}))
        from shop.search.encoder import get_encoder
        encoder = get_encoder()
        assert encoder is get_encoder()
        assert (encoder.model_id, encoder.device, encoder.quantized) == (
                "dev-tiny@{DEV_TINY_VERSION}", "cpu", False
            )
        assert (Path({str(tmp_path)!r}) / "models" / "dev-tiny" / "model.safetensors").is_file()
        """
    )
    subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, check=True, timeout=120)


def test_a_checkpoint_directory_is_identified_by_its_weights_not_its_name(
    data_dir: Path, tmp_path: Path
) -> None:
    import shutil

    from shop.search.encoder import model_id_for

    source = data_dir / "models" / DEV_TINY
    build_dev_tiny(source)
    copy = tmp_path / "checkpoint"
    shutil.copytree(source, copy)
    before = model_id_for(str(copy))
    assert before.startswith(f"{copy.resolve()}@")
    assert model_id_for(str(copy)) == before  # stable

    # Same folder, new weights (a re-save or a fine-tune): another model.
    weights = copy / "model.safetensors"
    weights.write_bytes(weights.read_bytes() + b"\0")
    assert model_id_for(str(copy)) != before


def test_a_hub_model_is_identified_by_its_cached_snapshot(monkeypatch) -> None:
    import huggingface_hub

    from shop.search.encoder import model_id_for

    monkeypatch.setattr(
        huggingface_hub,
        "try_to_load_from_cache",
        lambda repo, name: f"/cache/models--x--y/snapshots/0123456789abcdef/{name}",
    )
    assert model_id_for("x/y") == "x/y@0123456789ab"
    monkeypatch.setattr(huggingface_hub, "try_to_load_from_cache", lambda repo, name: None)
    assert model_id_for("x/y") == "x/y"


MORE_TEXTS = TEXTS + [
    "navy",
    "casual shoes for women with white sole",
    "a striped cotton kurta for the office",
    "sunglasses",
]


@pytest.fixture(scope="session")
def text_int8(data_dir: Path) -> Blip2Encoder:
    return Blip2Encoder(
        EncoderConfig(model=DEV_TINY, device="cpu", quantize_text=True, data_dir=data_dir)
    )


def test_the_int8_text_tower_stays_within_cosine_0_999_of_fp32(
    encoder: Blip2Encoder, text_int8: Blip2Encoder
) -> None:
    import torch

    layers = text_int8.text.qformer.encoder.layer
    assert not isinstance(layers[0].intermediate.dense, torch.nn.Linear)  # fp16 weights
    assert not isinstance(layers[1].attention.attention.qkv, torch.nn.Linear)  # int8, fused
    assert not isinstance(layers[1].output.dense, torch.nn.Linear)
    assert isinstance(text_int8.text.text_projection, torch.nn.Linear)
    assert text_int8.text_quantized and not text_int8.quantized

    fp32 = encoder.encode_texts(MORE_TEXTS)
    one_by_one = np.stack([text_int8.encode_texts([t])[0] for t in MORE_TEXTS])
    batched = text_int8.encode_texts(MORE_TEXTS)

    assert not np.array_equal(fp32, one_by_one)
    assert np.sum(fp32 * one_by_one, axis=1).min() >= 0.999
    # A batch pads the shorter texts, which int8 rounds a little differently.
    assert np.sum(fp32 * batched, axis=1).min() >= 0.998
    np.testing.assert_allclose(np.linalg.norm(one_by_one, axis=1), 1.0, atol=1e-5)


def test_words_never_load_the_vision_tower(data_dir: Path, images: list) -> None:
    fresh = Blip2Encoder(EncoderConfig(model=DEV_TINY, device="cpu", data_dir=data_dir))
    fresh.encode_texts(TEXTS)
    fresh.encode_images([])
    assert not fresh.vision_loaded

    fresh.encode_images(images[:1])
    assert fresh.vision_loaded
    assert fresh.vision.qformer is fresh.text.qformer, "fp32: one Q-Former for both halves"


def test_photos_keep_the_fp32_vision_tower_beside_an_int8_text_tower(
    encoder: Blip2Encoder, text_int8: Blip2Encoder, images: list
) -> None:
    import torch

    assert not text_int8.vision_loaded
    np.testing.assert_array_equal(text_int8.encode_images(images), encoder.encode_images(images))
    assert text_int8.vision.qformer is not text_int8.text.qformer
    layer = text_int8.vision.qformer.encoder.layer[0]
    assert isinstance(layer.crossattention.attention.query, torch.nn.Linear)
    # The text tower dropped what only photos use.
    assert not hasattr(text_int8.text.qformer.encoder.layer[0], "crossattention")


def test_warm_up_loads_the_text_tower_and_says_so(tmp_path: Path) -> None:
    code = textwrap.dedent(
        f"""
        from pathlib import Path
        from django.conf import settings
        settings.configure(SHOP_EMBEDDING_MODEL="dev-tiny", SHOP_EMBEDDING_DEVICE="cpu",
                           SHOP_DATA_DIR=Path({str(tmp_path)!r}))
        from shop.search.encoder import get_encoder, warm_up
        said = warm_up()
        assert said.startswith("Preloaded Blip2Encoder(model_id='dev-tiny@"), said
        assert "text_quantized=True" in said and "vision tower lazy" in said, said
        assert not get_encoder().vision_loaded
        assert "vision tower loaded" in warm_up(vision=True)
        settings.SHOP_EMBEDDING_MODEL = str(Path({str(tmp_path)!r}) / "missing")
        get_encoder.cache_clear()
        assert warm_up().startswith("BLIP-2 encoder not preloaded"), warm_up()
        """
    )
    subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, check=True, timeout=120)


def test_the_lean_forward_with_fused_qkv_gives_transformers_text_vectors(
    encoder: Blip2Encoder,
) -> None:
    import copy

    import torch

    from shop.search.encoder import loading
    from shop.search.encoder.model import lean_text_embeds

    fused = copy.deepcopy(encoder.text)
    loading.fuse_qkv(fused.qformer)
    tokens = encoder.tokenizer(MORE_TEXTS, padding=True, return_tensors="pt")
    assert tokens["attention_mask"].min() == 0, "the batch must hold padding"

    with torch.inference_mode():
        batched = lean_text_embeds(fused, tokens["input_ids"], tokens["attention_mask"])
        single = encoder.tokenizer(MORE_TEXTS[:1], return_tensors="pt")["input_ids"]
        one = lean_text_embeds(fused, single)

    expected = encoder.encode_texts(MORE_TEXTS)  # transformers' own forward, fp32
    np.testing.assert_allclose(batched.numpy(), expected, atol=1e-5)
    np.testing.assert_allclose(one.numpy()[0], expected[0], atol=1e-5)
