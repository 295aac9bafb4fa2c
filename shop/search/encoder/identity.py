"""Which model: its names, the id stored with every embedding, and what to do when it
cannot be had."""

from __future__ import annotations

import hashlib
from pathlib import Path

DEFAULT_MODEL = "Salesforce/blip2-itm-vit-g"
DEV_TINY = "dev-tiny"
# Bump when dev_tiny.build_dev_tiny() changes, so stale builds are rebuilt, not reused.
DEV_TINY_VERSION = "4"

HOW_TO_FIX = (
    "Set SHOP_EMBEDDING_MODEL to a local directory holding the checkpoint, "
    f"or run `manage.py embed_catalog` once with internet access to cache {DEFAULT_MODEL} "
    "(~4.7 GB; web requests never download), "
    f'or use SHOP_EMBEDDING_MODEL="{DEV_TINY}" for development.'
)


class EncoderUnavailable(Exception):
    """The configured embedding model cannot be loaded; the message says what to do."""


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
