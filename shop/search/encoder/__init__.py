"""The BLIP-2 encoder: the one package that owns torch and transformers.

Nothing here imports torch, transformers or Django at import time, so migrations, admin
and most tests never pay for them. `get_encoder()` is the process-wide instance.

    identity   which model: names, the id stored with embeddings, EncoderUnavailable
    config     EncoderConfig and the settings it is read from
    loading    finding, loading and int8-quantising checkpoints
    dev_tiny   the tiny random BLIP-2 for development and tests
    model      Blip2Encoder: photos and words to vectors
    batches    photo batches prepared in worker processes

Settings read by `get_encoder()`:
    SHOP_EMBEDDING_MODEL           hub id, local checkpoint directory, or "dev-tiny"
    SHOP_EMBEDDING_DEVICE          "auto" | "cpu" | "cuda" | "mps"
    SHOP_EMBEDDING_QUANTIZE        int8 vision tower and Q-Former on CPU
    SHOP_EMBEDDING_QUANTIZE_TEXT   int8 text tower on CPU (default on)
    SHOP_DATA_DIR                  dev-tiny is built once into SHOP_DATA_DIR/models/dev-tiny
"""

from __future__ import annotations

import functools
import logging
import threading
import time

from shop.search.encoder.batches import parallel_batches
from shop.search.encoder.config import (
    DEVICES,
    MAX_TEXT_TOKENS,
    EncoderConfig,
    current_model_id,
    encoder_config,
)
from shop.search.encoder.dev_tiny import DEV_TINY_MARKER, build_dev_tiny
from shop.search.encoder.identity import (
    DEFAULT_MODEL,
    DEV_TINY,
    DEV_TINY_VERSION,
    EncoderUnavailable,
    model_id_for,
)
from shop.search.encoder.model import Blip2Encoder, preprocess

__all__ = [
    "DEFAULT_MODEL",
    "DEVICES",
    "DEV_TINY",
    "DEV_TINY_MARKER",
    "DEV_TINY_VERSION",
    "MAX_TEXT_TOKENS",
    "Blip2Encoder",
    "EncoderConfig",
    "EncoderUnavailable",
    "build_dev_tiny",
    "current_model_id",
    "encoder_config",
    "get_encoder",
    "model_id_for",
    "parallel_batches",
    "preprocess",
    "warm_up",
]

logger = logging.getLogger(__name__)

_load_lock = threading.Lock()
# A model that failed to load is not retried on every request (each try can take
# ~20 s offline); the failure is remembered this long.
FAILURE_TTL_S = 60.0
_failures: dict[EncoderConfig, tuple[float, EncoderUnavailable]] = {}


@functools.cache
def get_encoder(*, allow_download: bool = False, device: str | None = None) -> Blip2Encoder:
    """The process-wide encoder, configured from Django settings on first use.

    Web requests load only a model already on disk; `embed_catalog` passes
    allow_download=True, so the first run fetches the checkpoint.
    """
    config = encoder_config(allow_download=allow_download, device=device)
    # functools.cache alone does not stop two threads (the first requests of a threaded
    # server) from both loading a multi-GB model; the lock and the inner cache do.
    with _load_lock:
        failed = _failures.get(config)
        if failed is not None and time.monotonic() - failed[0] < FAILURE_TTL_S:
            raise failed[1]
        try:
            return _encoder_for(config)
        except EncoderUnavailable as error:
            # Logged once per failed attempt, not on every request that meets it.
            logger.warning(
                "BLIP-2 encoder unavailable (retried in %.0f s): %s", FAILURE_TTL_S, error
            )
            _failures[config] = (time.monotonic(), error)
            raise


@functools.cache
def _encoder_for(config: EncoderConfig) -> Blip2Encoder:
    return Blip2Encoder(config)


def warm_up(*, vision: bool = False) -> str:
    """Load the encoder ahead of the first request (a server's master, before forking)
    and run one text through it; says what was done. A model that cannot load is
    reported, not raised: the shop still serves keyword search."""
    try:
        encoder = get_encoder()
    except EncoderUnavailable as error:
        return f"BLIP-2 encoder not preloaded: {error}"
    encoder.encode_texts(["warm up"])
    if vision:
        _ = encoder.vision
    return f"Preloaded {encoder!r}, vision tower {'loaded' if encoder.vision_loaded else 'lazy'}"
