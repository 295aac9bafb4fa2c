"""Catalog imports from the admin: an uploaded zip, or a folder on the server.

Both end in the same `catalog_import` as `manage.py import_catalog` (same safe image
module, same summary). A zip is unpacked with caps: no absolute paths, no `..`, no
links, at most SHOP_IMPORT_MAX_FILES members and SHOP_IMPORT_MAX_BYTES unpacked
(counted while writing, not trusted from the zip's headers).
"""

from __future__ import annotations

import shutil
import stat
import tempfile
import time
import zipfile
from pathlib import Path, PurePosixPath
from typing import IO

from django.conf import settings

from shop.catalog.exceptions import CatalogError
from shop.catalog.importers import ImportSummary, catalog_import
from shop.jobs.models import CatalogImport

_CHUNK = 1024 * 1024


class ImportRejected(CatalogError):
    """An import source the shop refuses (unsafe archive, folder outside the roots)."""


def import_root_check(path: str) -> Path:
    """The resolved folder, if it lies under one of SHOP_IMPORT_ROOTS."""
    if not settings.SHOP_IMPORT_ROOTS:
        raise ImportRejected("Imports from server folders are off (set SHOP_IMPORT_ROOTS).")
    resolved = Path(path).resolve()
    if not any(resolved.is_relative_to(root) for root in settings.SHOP_IMPORT_ROOTS):
        roots = ", ".join(str(r) for r in settings.SHOP_IMPORT_ROOTS)
        raise ImportRejected(f"{path} is outside the folders imports may read ({roots}).")
    if not resolved.is_dir():
        raise ImportRejected(f"{path} is not a folder.")
    return resolved


def _member_target(info: zipfile.ZipInfo, target: Path) -> Path | None:
    name = info.filename
    if "\x00" in name or "\\" in name:
        raise ImportRejected(f"Unsafe file name in the zip: {name!r}.")
    parts = PurePosixPath(name).parts
    if not parts or name.startswith("/") or ".." in parts or ":" in parts[0]:
        raise ImportRejected(f"Unsafe path in the zip: {name!r}.")
    if stat.S_ISLNK(info.external_attr >> 16):
        raise ImportRejected(f"Links are not allowed in the zip: {name!r}.")
    if parts[0] == "__MACOSX" or info.is_dir():
        return None
    return target.joinpath(*parts)


def _archive_open(archive: IO[bytes] | Path) -> zipfile.ZipFile:
    """The zip, if readable and within the file-count cap; raises ImportRejected."""
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError):
        raise ImportRejected("The upload is not a readable zip file.") from None
    count = len(zf.infolist())
    if count > settings.SHOP_IMPORT_MAX_FILES:
        zf.close()
        raise ImportRejected(
            f"The zip holds {count} files; the limit is {settings.SHOP_IMPORT_MAX_FILES}."
        )
    return zf


def _layout_check(members: list[zipfile.ZipInfo]) -> None:
    """Refuse a listing that cannot be unpacked as listed: the same name twice, or a
    name that is a file and a folder at once (``images`` beside ``images/1.jpg``)."""
    files: set[PurePosixPath] = set()
    folders: set[PurePosixPath] = set()
    for info in members:
        path = PurePosixPath(info.filename)
        folders.update(path.parents)
        if info.is_dir():
            folders.add(path)
        elif path in files:
            raise ImportRejected(f"The zip holds {info.filename!r} twice.")
        else:
            files.add(path)
    clash = sorted(files & folders)
    if clash:
        raise ImportRejected(f"The zip holds {str(clash[0])!r} both as a file and as a folder.")


def archive_check(archive: IO[bytes]) -> None:
    """Refuse an upload at once (in the admin form) when its listing breaks the rules.

    Reads only the zip's directory; `archive_extract` still counts real bytes.
    """
    with _archive_open(archive) as zf:
        members = zf.infolist()
        for info in members:
            _member_target(info, Path("/nonexistent"))
        _layout_check(members)
        if sum(info.file_size for info in members) > settings.SHOP_IMPORT_MAX_BYTES:
            raise ImportRejected(
                f"The zip unpacks to more than {settings.SHOP_IMPORT_MAX_BYTES} bytes."
            )


def archive_extract(archive: Path, target: Path) -> None:
    """Unpack a zip into `target` within the caps; raises ImportRejected."""
    with _archive_open(archive) as zf:
        members = zf.infolist()
        _layout_check(members)
        budget = settings.SHOP_IMPORT_MAX_BYTES
        for info in members:
            path = _member_target(info, target)
            if path is None:
                continue
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as source, open(path, "wb") as out:
                    while chunk := source.read(_CHUNK):
                        budget -= len(chunk)
                        if budget < 0:
                            raise ImportRejected(
                                "The zip unpacks to more than "
                                f"{settings.SHOP_IMPORT_MAX_BYTES} bytes."
                            )
                        out.write(chunk)
            except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError):
                raise ImportRejected(f"The zip member {info.filename!r} is corrupt.") from None
            except RuntimeError as error:  # encrypted members
                raise ImportRejected(f"The zip member {info.filename!r}: {error}.") from None
            except OSError:
                # Named by the member, never by the server's path.
                raise ImportRejected(
                    f"The zip member {info.filename!r} cannot be unpacked where it goes."
                ) from None


def _catalog_folder(root: Path) -> Path:
    """The unpacked folder holding the catalog (zips often wrap it in one folder)."""
    if (root / "styles.csv").is_file():
        return root
    children = [p for p in root.iterdir() if p.is_dir() and p.name != "__MACOSX"]
    if len(children) == 1 and (children[0] / "styles.csv").is_file():
        return children[0]
    return root


def catalog_import_run(*, import_id: int) -> ImportSummary:
    """Run an admin import; re-running it changes nothing (the importer is idempotent)."""
    request = CatalogImport.objects.get(pk=import_id)
    if request.server_path:
        return catalog_import(path=import_root_check(request.server_path), limit=request.limit)
    if not request.archive:
        raise ImportRejected("The import has neither an archive nor a server folder.")
    workdir = Path(settings.SHOP_DATA_DIR) / "imports" / "unpacked"
    workdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=workdir) as unpacked:
        archive_extract(Path(request.archive.path), Path(unpacked))
        return catalog_import(path=_catalog_folder(Path(unpacked)), limit=request.limit)


def catalog_import_archive_delete(*, catalog_import: CatalogImport) -> None:
    if catalog_import.archive:
        catalog_import.archive.delete(save=True)


def unpacked_leftovers_clear(*, older_than_s: float = 86400) -> int:
    """Remove unpack folders a killed worker left behind (not a running import's)."""
    workdir = Path(settings.SHOP_DATA_DIR) / "imports" / "unpacked"
    if not workdir.is_dir():
        return 0
    cutoff = time.time() - older_than_s
    count = 0
    for child in workdir.iterdir():
        if child.stat().st_mtime < cutoff:
            shutil.rmtree(child, ignore_errors=True)
            count += 1
    return count
