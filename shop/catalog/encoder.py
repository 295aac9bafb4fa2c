"""The BLIP-2 encoder: the one module that owns torch and transformers.

Images become 32 query vectors and texts become one vector, all L2-normalised in the
same 256-dim space, exactly as `Blip2ForImageTextRetrieval` computes them for its
image-text contrastive (ITC) score. Nothing here imports torch, transformers or Django
at import time, so migrations, admin and most tests never pay for them.

Settings read by `get_encoder()`:
    SHOP_EMBEDDING_MODEL     hub id, local checkpoint directory, or "dev-tiny"
    SHOP_EMBEDDING_DEVICE    "auto" | "cpu" | "cuda" | "mps"
    SHOP_EMBEDDING_QUANTIZE  int8 dynamic quantization of the Linear layers on CPU
    SHOP_DATA_DIR            dev-tiny is built once into SHOP_DATA_DIR/models/dev-tiny
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import shutil
import tempfile
import threading
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from PIL.Image import Image

logger = logging.getLogger(__name__)

DEFAULT_MODEL = "Salesforce/blip2-itm-vit-g"
DEV_TINY = "dev-tiny"
# Bump when build_dev_tiny() changes, so stale builds are rebuilt instead of reused.
DEV_TINY_VERSION = "3"
DEV_TINY_MARKER = "DEV_TINY_VERSION"
DEV_TINY_SEED = 1234
DEVICES = ("auto", "cpu", "cuda", "mps")

# BLIP-2's Q-Former was trained on captions of at most 32 tokens; anything far longer
# only dilutes the [CLS] vector. 64 leaves room for short product descriptions.
MAX_TEXT_TOKENS = 64

_HOW_TO_FIX = (
    "Set SHOP_EMBEDDING_MODEL to a local directory holding the checkpoint, "
    f"or run `manage.py embed_catalog` once with internet access to cache {DEFAULT_MODEL} "
    "(~4.7 GB; web requests never download), "
    f'or use SHOP_EMBEDDING_MODEL="{DEV_TINY}" for development.'
)


def model_id_for(model: str) -> str:
    """The id recorded with each embedding, known without loading the model.

    It names the weights, not just the setting, so new weights under the same name
    count as a model change and are never mixed with the old vectors:
    - dev-tiny carries its build version (``dev-tiny@3``);
    - a local checkpoint directory carries a fingerprint of its files
      (``/models/blip2@3f2a9c0d1e4b``);
    - a hub id carries the commit of the cached snapshot
      (``Salesforce/blip2-itm-vit-g@<commit>``), or stands alone before the download.
    """
    if model == DEV_TINY:
        return f"{DEV_TINY}@{DEV_TINY_VERSION}"
    path = Path(model).expanduser()
    if path.is_dir():
        return f"{path.resolve()}@{_directory_fingerprint(path)}"
    return _hub_revision_id(model)


def _directory_fingerprint(path: Path) -> str:
    # Names and sizes of the weights, and the configs' contents: cheap to read and
    # changed by any re-save or fine-tune.
    digest = hashlib.sha256()
    for file in sorted(path.glob("*")):
        if file.suffix in (".safetensors", ".bin"):
            digest.update(f"{file.name}:{file.stat().st_size}\n".encode())
        elif file.suffix == ".json":
            digest.update(file.name.encode() + b"\n" + file.read_bytes())
    return digest.hexdigest()[:12]


def _hub_revision_id(repo_id: str) -> str:
    try:
        from huggingface_hub import try_to_load_from_cache

        cached = try_to_load_from_cache(repo_id, "config.json")
    except Exception:  # noqa: BLE001 (an odd id or cache is "not cached", not an error)
        cached = None
    if isinstance(cached, str) and "/snapshots/" in cached:
        return f"{repo_id}@{cached.split('/snapshots/', 1)[1].split('/', 1)[0][:12]}"
    return repo_id


def current_model_id() -> str:
    return model_id_for(encoder_config().model)


class EncoderUnavailable(Exception):
    """The configured embedding model cannot be loaded; the message says what to do."""


@dataclass(frozen=True)
class EncoderConfig:
    model: str = DEFAULT_MODEL
    device: str = "auto"
    quantize: bool = False
    data_dir: Path = Path("var")
    # Web requests only load what is on disk; downloading ~4.7 GB is embed_catalog's job.
    allow_download: bool = False

    def __post_init__(self) -> None:
        if self.device not in DEVICES:
            raise ValueError(f"device must be one of {DEVICES}, not {self.device!r}")


class Blip2Encoder:
    """Loads a BLIP-2 retrieval checkpoint once and encodes images and texts in batches.

    The vision and text halves are loaded as `Blip2VisionModelWithProjection` and
    `Blip2TextModelWithProjection` from the same `Blip2ForImageTextRetrieval`
    checkpoint; each ignores the other's weights (and the ITM head).
    """

    def __init__(self, config: EncoderConfig) -> None:
        import torch
        from transformers import (
            AutoProcessor,
            Blip2TextModelWithProjection,
            Blip2VisionModelWithProjection,
        )

        self.config = config
        self.is_dev_tiny = config.model == DEV_TINY
        source = _resolve_source(config)
        self.device = _resolve_device(config.device)
        # The Q-Former and query tokens stay fp32 either way (_keep_in_fp32_modules).
        self.dtype = torch.float32 if self.device == "cpu" else torch.float16

        self.vision = _load(
            Blip2VisionModelWithProjection,
            source,
            dtype=self.dtype,
            allow_download=config.allow_download,
        )
        self.text = _load(
            Blip2TextModelWithProjection,
            source,
            dtype=self.dtype,
            allow_download=config.allow_download,
        )
        # Both halves loaded the same Q-Former weights (the retrieval model has one
        # Q-Former for both); keep a single copy, which saves ~0.4 GB on the real model.
        self.text.qformer = self.vision.qformer
        try:
            processor = _from_pretrained(AutoProcessor, source, config.allow_download)
        except OSError as exc:
            raise EncoderUnavailable(
                f"Cannot load the processor for {config.model!r}: {exc}. {_HOW_TO_FIX}"
            ) from exc
        self.image_processor = processor.image_processor
        self.tokenizer = processor.tokenizer

        # After loading: a hub model's id names the snapshot just downloaded or found.
        self.model_id = model_id_for(config.model)
        blip_config = self.vision.config
        self.dim: int = blip_config.image_text_hidden_size
        self.num_query_tokens: int = blip_config.num_query_tokens
        self.max_text_tokens = min(
            MAX_TEXT_TOKENS, blip_config.qformer_config.max_position_embeddings
        )

        self.quantized = False
        if config.quantize:
            if self.device == "cpu":
                self._quantize()
            else:
                logger.warning(
                    "SHOP_EMBEDDING_QUANTIZE only applies on CPU; running %s unquantized.",
                    self.device,
                )

        self.vision.to(self.device).eval()
        self.text.to(self.device).eval()

    def __repr__(self) -> str:
        return (
            f"Blip2Encoder(model_id={self.model_id!r}, device={self.device!r}, "
            f"dim={self.dim}, quantized={self.quantized})"
        )

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
        pixel_dtype = self.vision.vision_model.embeddings.patch_embedding.weight.dtype
        with torch.inference_mode():
            for start in range(0, len(pixels), batch_size):
                batch = torch.from_numpy(np.ascontiguousarray(pixels[start : start + batch_size]))
                embeds = self.vision(pixel_values=batch.to(self.device, pixel_dtype)).image_embeds
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
                embeds = self.text(
                    input_ids=tokens["input_ids"].to(self.device),
                    attention_mask=tokens["attention_mask"].to(self.device),
                ).text_embeds
                out[start : start + len(batch)] = embeds[:, 0, :].float().cpu().numpy()
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

    def _quantize(self) -> None:
        import torch
        from torch.ao.quantization import quantize_dynamic

        # Projections stay fp32: they are tiny, and they set the final geometry that
        # stored embeddings are compared in.
        with warnings.catch_warnings():
            # torch.ao.quantization is deprecated in favour of torchao, but still works
            # and needs no extra dependency.
            warnings.simplefilter("ignore", DeprecationWarning)
            warnings.filterwarnings("ignore", message=".*quantize_per_tensor.*")
            linear = {torch.nn.Linear}
            self.vision.vision_model = quantize_dynamic(
                self.vision.vision_model, linear, dtype=torch.qint8
            )
            qformer = quantize_dynamic(self.vision.qformer, linear, dtype=torch.qint8)
            self.vision.qformer = self.text.qformer = qformer
        self.quantized = True


def preprocess(image_processor: Any, images: Sequence[Image]) -> np.ndarray:
    """Resize and normalise photos with a checkpoint's image processor (no torch)."""
    if not images:
        return np.empty((0, 3, 0, 0), dtype=np.float32)
    return np.asarray(
        image_processor(images=list(images), return_tensors="np")["pixel_values"],
        dtype=np.float32,
    )


class _Mapped:
    def __init__(self, items: Sequence[Any], load: Callable[[Any], Any]) -> None:
        self.items, self.load = items, load

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: int) -> Any:
        return self.load(self.items[index])


def _as_list(batch: list[Any]) -> list[Any]:
    return batch


def parallel_batches(
    items: Sequence[Any], load: Callable[[Any], Any], *, batch_size: int, workers: int
) -> Iterator[list[Any]]:
    """`load` applied to every item in worker processes, yielded in order in batches.

    A torch DataLoader: photo decoding (~25 ms each) runs beside the model, so a GPU
    is not starved. workers=0 loads in this process.
    """
    from torch.utils.data import DataLoader

    from shop.workers import exit_with_parent_init

    yield from DataLoader(
        _Mapped(items, load),
        batch_size=batch_size,
        num_workers=workers,
        collate_fn=_as_list,
        prefetch_factor=4 if workers else None,
        # Workers die with their parent (kill -9 of embed_catalog), never orphaned.
        worker_init_fn=exit_with_parent_init() if workers else None,
    )


_load_lock = threading.Lock()
# A model that failed to load is not retried on every request (each try can take
# ~20 s offline); the failure is remembered this long.
FAILURE_TTL_S = 60.0
_failures: dict[EncoderConfig, tuple[float, EncoderUnavailable]] = {}


def encoder_config(**overrides: Any) -> EncoderConfig:
    """The encoder configuration from Django settings, with explicit overrides."""
    from django.conf import settings

    base_dir = Path(getattr(settings, "BASE_DIR", Path.cwd()))
    values = {
        "model": getattr(settings, "SHOP_EMBEDDING_MODEL", DEFAULT_MODEL),
        "device": getattr(settings, "SHOP_EMBEDDING_DEVICE", "auto"),
        "quantize": bool(getattr(settings, "SHOP_EMBEDDING_QUANTIZE", False)),
        "data_dir": Path(getattr(settings, "SHOP_DATA_DIR", base_dir / "var")),
    }
    values.update({key: value for key, value in overrides.items() if value is not None})
    return EncoderConfig(**values)


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


# --- loading -----------------------------------------------------------------------


def _resolve_source(config: EncoderConfig) -> str:
    """A local directory or a hub id that from_pretrained() can load."""
    if config.model == DEV_TINY:
        return str(build_dev_tiny(Path(config.data_dir) / "models" / DEV_TINY))
    path = Path(config.model).expanduser()
    if path.is_dir():
        return str(path)
    if path.exists() or config.model.startswith(("/", ".", "~")) or path.is_absolute():
        raise EncoderUnavailable(
            f"SHOP_EMBEDDING_MODEL={config.model!r} is not a directory. {_HOW_TO_FIX}"
        )
    return config.model


def _resolve_device(device: str) -> str:
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


def _from_pretrained(cls: Any, source: str, allow_download: bool, **kwargs: Any) -> Any:
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


def _load(cls: Any, source: str, *, dtype: Any, allow_download: bool) -> Any:
    try:
        # Loading one half from the retrieval checkpoint reports the other half's
        # weights as "unexpected"; that is by design, so keep the log quiet and
        # check what matters (nothing missing, nothing mismatched) ourselves.
        with _quiet("transformers.modeling_utils"):
            model, info = _from_pretrained(
                cls, source, allow_download, dtype=dtype, output_loading_info=True
            )
    except OSError as exc:
        raise EncoderUnavailable(
            f"Cannot load BLIP-2 model {source!r}: {exc}. {_HOW_TO_FIX}"
        ) from exc
    problems = list(info.get("missing_keys") or []) + [
        str(k) for k in info.get("mismatched_keys") or []
    ]
    if problems:
        raise EncoderUnavailable(
            f"{source!r} is not a complete BLIP-2 retrieval checkpoint for {cls.__name__}; "
            f"missing or mismatched weights: {sorted(problems)[:10]}. {_HOW_TO_FIX}"
        )
    return model


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


def _normalise(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=-1, keepdims=True)
    return (x / np.maximum(norms, 1e-12)).astype(np.float32)


# --- dev-tiny ----------------------------------------------------------------------

DEV_TINY_IMAGE_SIZE = 64
# With BLIP-2's init scales (1e-10 vision, 0.02 Q-Former) a random tiny model maps every
# image and every text to nearly the same vector (cosine > 0.99), which makes dev search
# results meaningless and tests blind; 0.3 spreads them out (pairwise cosines ~0-0.8).
DEV_TINY_INIT_STD = 0.3

_DEV_TINY_WORDS = """
a an the and or with without for of in on to from by at as is are this that these those
my your our new best top cheap sale men women mens womens boys girls kids unisex adult
baby teen summer winter spring autumn fall casual formal party office sport sports
running walking training gym outdoor indoor beach travel wedding evening daily work
black white grey gray red blue navy green olive yellow orange pink purple brown beige
cream tan khaki maroon burgundy teal turquoise gold silver bronze multi coloured colored
dark light pale bright pastel neon striped checked plaid floral printed solid plain
dotted polka graphic logo embroidered lace denim leather suede cotton linen silk wool
polyester nylon knit knitted woven velvet satin canvas rubber metal plastic synthetic
shirt shirts tshirt tee top tops blouse tunic kurta kurti sweater sweatshirt hoodie
cardigan jacket jackets blazer coat vest waistcoat dress dresses gown skirt skirts
jeans trousers pants shorts leggings capris joggers track tracksuit suit saree sari
dupatta scarf stole shawl lehenga salwar churidar nightwear pyjama pajama lounge
innerwear bra briefs boxers trunks socks stockings swimwear bikini
shoe shoes sneaker sneakers boot boots sandal sandals heel heels flats flat loafer
loafers slipper slippers flip flops moccasin oxford derby pumps wedges
bag bags handbag backpack wallet clutch purse tote sling duffel luggage
watch watches belt belts cap caps hat hats sunglasses glasses tie ties cufflinks
jewellery jewelry necklace earrings ring rings bracelet bangle pendant anklet
perfume deodorant lipstick nail polish makeup fragrance
small medium large big long short mini midi maxi slim fit regular loose oversized
skinny straight tapered wide flared high low waist rise neck collar sleeve sleeves
sleeveless full half round v crew polo hooded button zip zipper pocket pockets
pattern print stripe stripes check checks solid style look wear outfit
"""


def _dev_tiny_vocab() -> list[str]:
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    return specials + list(dict.fromkeys(_DEV_TINY_WORDS.split()))


def _dev_tiny_is_complete(target_dir: Path) -> bool:
    marker = target_dir / DEV_TINY_MARKER
    try:
        return marker.read_text().strip() == DEV_TINY_VERSION
    except OSError:
        return False


def build_dev_tiny(target_dir: Path) -> Path:
    """Build (once) a tiny randomly initialised BLIP-2 retrieval model into target_dir.

    Same architecture, output shapes and save format as Salesforce/blip2-itm-vit-g, so
    the encoder loads it through the code path that loads the real one. Deterministic
    (fixed seed) and safe against concurrent builders: each builds in a temporary
    sibling directory and renames it into place.
    """
    target_dir = Path(target_dir)
    if _dev_tiny_is_complete(target_dir):
        return target_dir
    target_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target_dir.name}-build-", dir=target_dir.parent))
    try:
        _write_dev_tiny(tmp)
        for _ in range(3):
            try:
                os.rename(tmp, target_dir)
                return target_dir
            except OSError:
                if _dev_tiny_is_complete(target_dir):
                    return target_dir  # another process won the race
                # A stale or partial build is in the way: move it aside, then retry.
                stale = Path(
                    tempfile.mkdtemp(prefix=f".{target_dir.name}-stale-", dir=target_dir.parent)
                )
                with suppress(FileNotFoundError):
                    os.rename(target_dir, stale / "old")
                shutil.rmtree(stale, ignore_errors=True)
        raise EncoderUnavailable(f"Could not install the dev-tiny model into {target_dir}.")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _write_dev_tiny(out_dir: Path) -> None:
    import torch
    from transformers import (
        BertTokenizer,
        Blip2Config,
        Blip2ForImageTextRetrieval,
        Blip2Processor,
        BlipImageProcessor,
    )

    vocab = _dev_tiny_vocab()
    vocab_file = out_dir / "dev_tiny_vocab.txt"
    vocab_file.write_text("\n".join(vocab) + "\n")
    # transformers 5 ignores vocab_file=; vocab= takes the path.
    tokenizer = BertTokenizer(vocab=str(vocab_file), model_max_length=MAX_TEXT_TOKENS)
    image_processor = BlipImageProcessor(
        size={"height": DEV_TINY_IMAGE_SIZE, "width": DEV_TINY_IMAGE_SIZE}
    )
    # Blip2Processor adds an "<image>" token to the tokenizer, hence the +1 below.
    processor = Blip2Processor(image_processor=image_processor, tokenizer=tokenizer)

    config = Blip2Config(
        vision_config={
            "image_size": DEV_TINY_IMAGE_SIZE,
            "patch_size": 16,
            "hidden_size": 32,
            "intermediate_size": 64,
            "num_hidden_layers": 2,
            "num_attention_heads": 2,
            "initializer_range": DEV_TINY_INIT_STD,
        },
        qformer_config={
            "vocab_size": len(tokenizer),
            "hidden_size": 32,
            "intermediate_size": 64,
            "num_hidden_layers": 2,
            "num_attention_heads": 2,
            "cross_attention_frequency": 1,
            # Text goes through the Q-Former too (its own feed-forward), as in itm-vit-g.
            "use_qformer_text_input": True,
            "initializer_range": DEV_TINY_INIT_STD,
            "max_position_embeddings": MAX_TEXT_TOKENS,
        },
        num_query_tokens=32,
        image_text_hidden_size=256,
        initializer_range=DEV_TINY_INIT_STD,
    )
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(DEV_TINY_SEED)
        model = Blip2ForImageTextRetrieval(config)
        with torch.no_grad():
            # post_init() zeroes the queries; identical queries collapse the 32 outputs
            # into one, and all-zero ones give NaNs in half precision.
            model.query_tokens.normal_(mean=0.0, std=0.02)
    model.save_pretrained(out_dir)
    processor.save_pretrained(out_dir)
    vocab_file.unlink()
    (out_dir / DEV_TINY_MARKER).write_text(DEV_TINY_VERSION + "\n")
