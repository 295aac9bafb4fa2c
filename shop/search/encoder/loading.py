"""Finding, loading and quantising checkpoints (torch and transformers, imported lazily)."""

from __future__ import annotations

import ctypes
import gc
import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from shop.search.encoder.config import EncoderConfig
from shop.search.encoder.dev_tiny import build_dev_tiny
from shop.search.encoder.identity import DEV_TINY, HOW_TO_FIX, EncoderUnavailable


def resolve_source(config: EncoderConfig) -> str:
    """A local directory or a hub id that from_pretrained() can load."""
    if config.model == DEV_TINY:
        return str(build_dev_tiny(Path(config.data_dir) / "models" / DEV_TINY))
    path = Path(config.model).expanduser()
    if path.is_dir():
        return str(path)
    if path.exists() or config.model.startswith(("/", ".", "~")) or path.is_absolute():
        raise EncoderUnavailable(
            f"SHOP_EMBEDDING_MODEL={config.model!r} is not a directory. {HOW_TO_FIX}"
        )
    return config.model


def resolve_device(device: str) -> str:
    import torch

    mps = getattr(torch.backends, "mps", None)
    mps_ok = mps is not None and mps.is_available()
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "mps" if mps_ok else "cpu"
    if (device == "cuda" and not torch.cuda.is_available()) or (device == "mps" and not mps_ok):
        raise EncoderUnavailable(
            f"SHOP_EMBEDDING_DEVICE={device!r} but {device} is not available here."
        )
    return device


def from_pretrained(cls: Any, source: str, allow_download: bool, **kwargs: Any) -> Any:
    """Cache first, network second (and only when allowed): a cached model loads
    without any HTTP request, which would otherwise retry for ~20 s when offline."""
    from huggingface_hub.constants import is_offline_mode

    if Path(source).is_dir() or is_offline_mode():
        return cls.from_pretrained(source, **kwargs)
    try:
        return cls.from_pretrained(source, local_files_only=True, **kwargs)
    except OSError:
        if not allow_download:
            raise
        return cls.from_pretrained(source, **kwargs)


def load_half(cls: Any, source: str, *, dtype: Any, allow_download: bool) -> Any:
    """One half (vision or text) of a retrieval checkpoint, in eval mode."""
    try:
        # Loading one half from the retrieval checkpoint reports the other half's
        # weights as "unexpected"; that is by design, so keep the log quiet and
        # check what matters (nothing missing, nothing mismatched) ourselves.
        with _quiet("transformers.modeling_utils"):
            model, info = from_pretrained(
                cls, source, allow_download, dtype=dtype, output_loading_info=True
            )
    except OSError as exc:
        raise EncoderUnavailable(
            f"Cannot load BLIP-2 model {source!r}: {exc}. {HOW_TO_FIX}"
        ) from exc
    problems = list(info.get("missing_keys") or []) + [
        str(k) for k in info.get("mismatched_keys") or []
    ]
    if problems:
        raise EncoderUnavailable(
            f"{source!r} is not a complete BLIP-2 retrieval checkpoint for {cls.__name__}; "
            f"missing or mismatched weights: {sorted(problems)[:10]}. {HOW_TO_FIX}"
        )
    return model.eval()


def quantize_int8(module: Any) -> None:
    """int8 dynamic quantisation of every Linear layer inside `module`, in place.

    In place, then the fp32 weights are handed back to the system: quantize_dynamic's
    default deep copy left ~6 GB of private garbage per process on the real model.
    """
    import torch
    from torch.ao.quantization import quantize_dynamic

    with warnings.catch_warnings():
        # torch.ao.quantization is deprecated in favour of torchao, but still works
        # and needs no extra dependency.
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.filterwarnings("ignore", message=".*quantize_per_tensor.*")
        quantize_dynamic(module, {torch.nn.Linear}, dtype=torch.qint8, inplace=True)
    release_memory()


def fuse_qkv(qformer: Any) -> None:
    """Replace each self-attention's query, key and value layers by one `qkv` layer.

    One matmul (and one activation quantisation) instead of three; only the text
    tower's own copy is fused, and `model.lean_text_embeds` is what runs it.
    """
    import torch

    for layer in qformer.encoder.layer:
        attention = layer.attention.attention
        parts = (attention.query, attention.key, attention.value)
        qkv = torch.nn.Linear(parts[0].in_features, sum(p.out_features for p in parts))
        with torch.no_grad():
            qkv.weight.copy_(torch.cat([p.weight for p in parts]))
            qkv.bias.copy_(torch.cat([p.bias for p in parts]))
        attention.qkv = qkv
        del attention.query, attention.key, attention.value


def quantize_text_tower(qformer: Any) -> None:
    """Dynamic quantisation of the Q-Former's text path, in place: per-channel int8,
    except the first layer's weights, which go to fp16.

    The first layer sees the raw word embeddings, whose int8 rounding is what pushed
    text vectors below cosine 0.999 of fp32 on dev-tiny; fp16 weights there cost
    little (one layer of twelve) and keep every text within 0.999 (tests, bench).
    """
    import torch
    from torch.ao.quantization import (
        float16_dynamic_qconfig,
        per_channel_dynamic_qconfig,
        quantize_dynamic,
    )

    linears = [name for name, m in qformer.named_modules() if isinstance(m, torch.nn.Linear)]
    first = "encoder.layer.0."
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.filterwarnings("ignore", message=".*quantize_per_(tensor|channel).*")
        quantize_dynamic(
            qformer,
            {n: float16_dynamic_qconfig for n in linears if n.startswith(first)},
            dtype=torch.float16,
            inplace=True,
        )
        quantize_dynamic(
            qformer,
            {n: per_channel_dynamic_qconfig for n in linears if not n.startswith(first)},
            dtype=torch.qint8,
            inplace=True,
        )
    release_memory()


def release_memory() -> None:
    """Collect garbage and return freed heap pages to the system (glibc keeps them)."""
    gc.collect()
    with suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


class _DropBelowError(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.ERROR


@contextmanager
def _quiet(logger_name: str) -> Iterator[None]:
    # A filter rather than setLevel(): transformers runs extra checks (and logs more)
    # when it sees its logger's level raised.
    target = logging.getLogger(logger_name)
    below_error = _DropBelowError()
    target.addFilter(below_error)
    try:
        yield
    finally:
        target.removeFilter(below_error)
