"""The encoder's configuration, read from Django settings."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shop.search.encoder.identity import DEFAULT_MODEL, model_id_for

DEVICES = ("auto", "cpu", "cuda", "mps")
# BLIP-2's Q-Former was trained on captions of at most 32 tokens; anything far longer
# only dilutes the [CLS] vector. 64 leaves room for short product descriptions.
MAX_TEXT_TOKENS = 64


@dataclass(frozen=True)
class EncoderConfig:
    model: str = DEFAULT_MODEL
    device: str = "auto"
    # int8 dynamic quantisation on CPU of the vision tower and the Q-Former (photos and
    # text): faster embedding, vectors within cosine ~0.999 of fp32.
    quantize: bool = False
    # int8 dynamic quantisation on CPU of the text tower alone (query words): ~3x
    # faster text queries. Text vectors are never stored, so the stored photo vectors
    # (fp32 vision tower) stay comparable.
    quantize_text: bool = False
    data_dir: Path = Path("var")
    # Web requests only load what is on disk; downloading ~4.7 GB is embed_catalog's job.
    allow_download: bool = False

    def __post_init__(self) -> None:
        if self.device not in DEVICES:
            raise ValueError(f"device must be one of {DEVICES}, not {self.device!r}")


def encoder_config(**overrides: Any) -> EncoderConfig:
    """The encoder configuration from Django settings, with explicit overrides."""
    from django.conf import settings

    base_dir = Path(getattr(settings, "BASE_DIR", Path.cwd()))
    values = {
        "model": getattr(settings, "SHOP_EMBEDDING_MODEL", DEFAULT_MODEL),
        "device": getattr(settings, "SHOP_EMBEDDING_DEVICE", "auto"),
        "quantize": bool(getattr(settings, "SHOP_EMBEDDING_QUANTIZE", False)),
        "quantize_text": bool(getattr(settings, "SHOP_EMBEDDING_QUANTIZE_TEXT", True)),
        "data_dir": Path(getattr(settings, "SHOP_DATA_DIR", base_dir / "var")),
    }
    values.update({key: value for key, value in overrides.items() if value is not None})
    return EncoderConfig(**values)


def current_model_id() -> str:
    """The configured model's id, known without loading it (see `model_id_for`)."""
    return model_id_for(encoder_config().model)
