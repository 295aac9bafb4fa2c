"""The BLIP-2 encoder: photos to 32 query vectors, words to one vector.

Images become 32 query vectors and texts become one vector, all L2-normalised in the
same 256-dim space, exactly as `Blip2ForImageTextRetrieval` computes them for its
image-text contrastive (ITC) score.

The text tower (Q-Former with its word embeddings) loads with the encoder; the vision
tower (ViT-g, ~4 GB of the real model's 4.7) only when a photo is first encoded, so a
web worker that only answers words never holds it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from shop.search.encoder import loading
from shop.search.encoder.config import MAX_TEXT_TOKENS, EncoderConfig
from shop.search.encoder.identity import DEV_TINY, HOW_TO_FIX, EncoderUnavailable, model_id_for

if TYPE_CHECKING:
    from PIL.Image import Image

logger = logging.getLogger(__name__)

# Q-Former modules that only the 32 query tokens use (photos); the text path never
# runs them.
_QUERY_ONLY_MODULES = ("crossattention", "intermediate_query", "output_query")


class Blip2Encoder:
    """Loads a BLIP-2 retrieval checkpoint once and encodes images and texts in batches.

    The vision and text halves are loaded as `Blip2VisionModelWithProjection` and
    `Blip2TextModelWithProjection` from the same `Blip2ForImageTextRetrieval`
    checkpoint; each ignores the other's weights (and the ITM head). Unless the text
    tower has its own int8 copy, both halves share one Q-Former.
    """

    def __init__(self, config: EncoderConfig) -> None:
        import torch
        from transformers import AutoProcessor, Blip2TextModelWithProjection

        self.config = config
        self.is_dev_tiny = config.model == DEV_TINY
        self.source = loading.resolve_source(config)
        self.device = loading.resolve_device(config.device)
        # The Q-Former and query tokens stay fp32 either way (_keep_in_fp32_modules).
        self.dtype = torch.float32 if self.device == "cpu" else torch.float16

        self.text = loading.load_half(
            Blip2TextModelWithProjection,
            self.source,
            dtype=self.dtype,
            allow_download=config.allow_download,
        )
        try:
            processor = loading.from_pretrained(AutoProcessor, self.source, config.allow_download)
        except OSError as exc:
            raise EncoderUnavailable(
                f"Cannot load the processor for {config.model!r}: {exc}. {HOW_TO_FIX}"
            ) from exc
        self.image_processor = processor.image_processor
        self.tokenizer = processor.tokenizer

        # After loading: a hub model's id names the snapshot just downloaded or found.
        self.model_id = model_id_for(config.model)
        blip_config = self.text.config
        self.dim: int = blip_config.image_text_hidden_size
        self.num_query_tokens: int = blip_config.num_query_tokens
        self.max_text_tokens = min(
            MAX_TEXT_TOKENS, blip_config.qformer_config.max_position_embeddings
        )

        on_cpu = self.device == "cpu"
        # quantize_text is on by default and simply does not apply on a GPU (fp16 there).
        if config.quantize and not on_cpu:
            logger.warning(
                "SHOP_EMBEDDING_QUANTIZE only applies on CPU; %s runs unquantised.", self.device
            )
        # quantize: one int8 Q-Former for both halves (the vision tower follows on load).
        self.quantized = config.quantize and on_cpu
        # quantize_text alone: the text tower gets its own int8 Q-Former, and the
        # vision tower keeps the fp32 one the stored photo vectors were made with.
        self.text_quantized = (config.quantize or config.quantize_text) and on_cpu
        if self.quantized:
            loading.quantize_int8(self.text.qformer)
        elif self.text_quantized:
            # The text tower's own copy: what only photos use is dropped, Q/K/V fused.
            for layer in self.text.qformer.encoder.layer:
                for name in _QUERY_ONLY_MODULES:
                    if hasattr(layer, name):
                        delattr(layer, name)
            loading.fuse_qkv(self.text.qformer)
            loading.quantize_text_tower(self.text.qformer)
        # The fused tower runs through lean_text_embeds (~30% faster than transformers'
        # forward on the full-size model, same vectors).
        self.lean_text = self.text_quantized and not self.quantized
        self.text.to(self.device)

        self._vision: Any = None
        self._vision_lock = threading.Lock()

    def __repr__(self) -> str:
        return (
            f"Blip2Encoder(model_id={self.model_id!r}, device={self.device!r}, "
            f"dim={self.dim}, quantized={self.quantized}, text_quantized={self.text_quantized})"
        )

    @property
    def vision_loaded(self) -> bool:
        return self._vision is not None

    @property
    def vision(self) -> Any:
        """The vision tower, loaded on first use (thread-safe)."""
        if self._vision is None:
            with self._vision_lock:
                if self._vision is None:
                    self._vision = self._load_vision()
        return self._vision

    def _load_vision(self) -> Any:
        from transformers import Blip2VisionModelWithProjection

        vision = loading.load_half(
            Blip2VisionModelWithProjection,
            self.source,
            dtype=self.dtype,
            allow_download=self.config.allow_download,
        )
        if not self.text_quantized or self.quantized:
            # The retrieval model has one Q-Former for both halves; keep a single
            # copy (~0.4 GB on the real model).
            vision.qformer = self.text.qformer
            loading.release_memory()
        if self.quantized:
            loading.quantize_int8(vision.vision_model)
        return vision.to(self.device)

    def encode_images(self, images: Sequence[Image], *, batch_size: int = 32) -> np.ndarray:
        """[n, num_query_tokens, dim] float32; every query vector has unit length."""
        return self.encode_pixels(self.pixels(images), batch_size=batch_size)

    def pixels(self, images: Sequence[Image]) -> np.ndarray:
        """The model's input for photos ([n, 3, H, W] float32): resized and normalised.

        Plain CPU work, kept apart from the model so that embed_catalog runs it in its
        decoding workers and a GPU never waits for it.
        """
        return preprocess(self.image_processor, images)

    def encode_pixels(self, pixels: np.ndarray, *, batch_size: int = 32) -> np.ndarray:
        """[n, num_query_tokens, dim] float32 for preprocessed photos (see `pixels`)."""
        import torch

        out = np.empty((len(pixels), self.num_query_tokens, self.dim), dtype=np.float32)
        if not len(pixels):
            return out
        vision = self.vision
        pixel_dtype = vision.vision_model.embeddings.patch_embedding.weight.dtype
        with torch.inference_mode():
            for start in range(0, len(pixels), batch_size):
                batch = torch.from_numpy(np.ascontiguousarray(pixels[start : start + batch_size]))
                embeds = vision(pixel_values=batch.to(self.device, pixel_dtype)).image_embeds
                out[start : start + len(batch)] = embeds.float().cpu().numpy()
        return out

    def encode_texts(self, texts: Sequence[str], *, batch_size: int = 64) -> np.ndarray:
        """[n, dim] float32, unit length: the projected [CLS] output of the Q-Former."""
        import torch

        out = np.empty((len(texts), self.dim), dtype=np.float32)
        with torch.inference_mode():
            for start in range(0, len(texts), batch_size):
                batch = list(texts[start : start + batch_size])
                tokens = self.tokenizer(
                    batch,
                    padding=True,
                    truncation=True,
                    max_length=self.max_text_tokens,
                    return_token_type_ids=False,
                    return_tensors="pt",
                )
                # One text has no padding, so no mask to build or apply (the
                # search box's case).
                mask = tokens["attention_mask"].to(self.device) if len(batch) > 1 else None
                input_ids = tokens["input_ids"].to(self.device)
                if self.lean_text:
                    embeds = lean_text_embeds(self.text, input_ids, mask)
                else:
                    embeds = self.text(input_ids=input_ids, attention_mask=mask).text_embeds
                    embeds = embeds[:, 0, :]
                out[start : start + len(batch)] = embeds.float().cpu().numpy()
        return out

    @staticmethod
    def pooled(query_embeds: np.ndarray) -> np.ndarray:
        """[n, dim]: the mean of the query vectors, re-normalised (image-to-image, candidates)."""
        mean = np.asarray(query_embeds, dtype=np.float32).mean(axis=1)
        return _normalise(mean)

    @staticmethod
    def itc_scores(query_embeds: np.ndarray, text_vec: np.ndarray) -> np.ndarray:
        """[n]: BLIP-2's image-text contrastive score, the best of the query-text cosines."""
        sims = np.asarray(query_embeds, dtype=np.float32) @ np.asarray(text_vec, dtype=np.float32)
        return sims.max(axis=1)


def lean_text_embeds(text: Any, input_ids: Any, attention_mask: Any = None) -> Any:
    """[n, dim] unit text vectors from a text tower whose Q/K/V are fused
    (`loading.fuse_qkv`): `Blip2TextModelWithProjection`'s forward for the [CLS] token
    (eval mode), without transformers' per-call wrappers and with one Q/K/V matmul."""
    import torch.nn.functional as F

    qformer = text.qformer
    hidden = qformer.layernorm(text.embeddings(input_ids=input_ids))
    batch, length, _ = hidden.shape
    mask = None if attention_mask is None else attention_mask.bool()[:, None, None, :]
    for layer in qformer.encoder.layer:
        attention = layer.attention.attention
        heads, head_size = attention.num_attention_heads, attention.attention_head_size
        qkv = attention.qkv(hidden).view(batch, length, 3, heads, head_size)
        q, k, v = qkv.permute(2, 0, 3, 1, 4)
        context = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, scale=attention.scaling)
        context = context.transpose(1, 2).reshape(batch, length, heads * head_size)
        self_output = layer.attention.output
        hidden = self_output.LayerNorm(self_output.dense(context) + hidden)
        intermediate = layer.intermediate.intermediate_act_fn(layer.intermediate.dense(hidden))
        hidden = layer.output.LayerNorm(layer.output.dense(intermediate) + hidden)
    return F.normalize(text.text_projection(hidden[:, 0, :]), dim=-1)


def preprocess(image_processor: Any, images: Sequence[Image]) -> np.ndarray:
    """Resize and normalise photos with a checkpoint's image processor (no torch)."""
    if not images:
        return np.empty((0, 3, 0, 0), dtype=np.float32)
    return np.asarray(
        image_processor(images=list(images), return_tensors="np")["pixel_values"],
        dtype=np.float32,
    )


def _normalise(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=-1, keepdims=True)
    return (x / np.maximum(norms, 1e-12)).astype(np.float32)
