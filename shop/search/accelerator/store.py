"""The accelerator's files: where a build lives, what it says it is, how it is mapped.

    SHOP_SEARCH_ACCELERATOR_DIR (SHOP_DATA_DIR/search-accelerator)/<database name>/
        current -> build-<row id>-<time>   swapped atomically when a build is complete
        build-.../meta.json     written last: the stamp and the error bounds (``Meta``)
                  text.faiss    FAISS IVF, int8 codes, inverted lists by article type
                                at build time (1,024 products a list at most, so threads
                                split a big type); an entry's id is ``32 * row + slot``
                  fine.npy      the same query vectors as int16, row ``32 * p + slot``
                  pooled.npy    the pooled photo vectors (float32), row ``p``
                  products.npy  the product id of each file row (by list, then id)
                  lists.npy     the inverted list of each file row

Everything is mapped read-only and shared (numpy arrays over ``mmap``, FAISS's
``IO_FLAG_MMAP`` inverted lists), so gunicorn's workers share one copy in the page
cache. FAISS is
imported here and nowhere else, on the first search of a process.
"""

from __future__ import annotations

import functools
import json
import logging
import mmap
import os
import threading
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from django.conf import settings

logger = logging.getLogger(__name__)

FORMAT = 2  # 2: entry ids are 32 * row + slot (1: the row)
DIM = 256
SLOTS = 32
CURRENT = "current"


@dataclass(frozen=True)
class Meta:
    """What a build was made from and how far its copies may be from the database."""

    format: int
    model_id: str
    database: str  # the database's name: builds of others never answer here
    source: str  # build.source_of(): what changed means a rebuild
    # The query-vector id sequence's value when the build read. Query vectors are
    # only ever replaced (deleted and inserted), never updated: a product with a row
    # above this was embedded again since, and is scored in PostgreSQL.
    last_row_id: int
    products: int
    lists: int
    int8_scale: float  # int8 code = round(x * int8_scale)
    int16_scale: float  # int16 code = round(x * int16_scale)
    # Largest |v - decoded(v)| over every stored vector: a unit query's score moves
    # by at most this much (Cauchy-Schwarz).
    int8_error: float
    int16_error: float
    pooled_error: float
    built_at: str
    seconds: float


# The query-vector table's id sequence, which deletions never lower (%s: the table).
SEQUENCE_LAST = "coalesce(pg_sequence_last_value(pg_get_serial_sequence(%s, 'id')), 0)"


def database_name() -> str:
    """The database whose vectors the builds copy (the primary's name)."""
    from django.db import connections, router

    from shop.search.models import ProductQueryEmbedding

    return connections[router.db_for_write(ProductQueryEmbedding)].settings_dict["NAME"]


def root() -> Path:
    """This database's builds (several databases may share the folder)."""
    return Path(settings.SHOP_SEARCH_ACCELERATOR_DIR) / database_name()


def meta_write(folder: Path, meta: Meta) -> None:
    (folder / "meta.json").write_text(json.dumps(asdict(meta), indent=1))


@functools.cache
def faiss():
    """FAISS, loaded once per process, one thread a search: gunicorn's workers (and
    its threads) already run searches side by side on the machine's cores."""
    import faiss as library

    library.omp_set_num_threads(settings.SHOP_SEARCH_ACCELERATOR_THREADS)
    return library


def _mapped_npy(path: Path) -> np.ndarray:
    """A .npy file mapped read-only and shared, its page tables filled at once.

    The int16 copy is read a few products at a time, all over the file: touched page
    by page, each first touch is a fault (~12 µs on this VM: 7 ms for one query's
    140 candidates). MAP_POPULATE maps the whole file in one call (~0.1 s for 728 MB,
    once a process) from the page cache it shares with the other workers.
    """
    with open(path, "rb") as f:
        version = np.lib.format.read_magic(f)
        read_header = (
            np.lib.format.read_array_header_1_0
            if version == (1, 0)
            else np.lib.format.read_array_header_2_0
        )
        shape, fortran, dtype = read_header(f)
        offset = f.tell()
        flags = mmap.MAP_SHARED | getattr(mmap, "MAP_POPULATE", 0)
        mapping = mmap.mmap(f.fileno(), 0, flags=flags, prot=mmap.PROT_READ)
    if fortran:
        raise ValueError(f"{path} is in Fortran order")
    count = int(np.prod(shape, dtype=np.int64))
    return np.frombuffer(mapping, dtype=dtype, count=count, offset=offset).reshape(shape)


MADV_POPULATE_READ = 22  # Linux 5.14+


def _populate(index) -> None:
    """Fill the page tables of FAISS's mapping of the codes at once, as MAP_POPULATE
    does for the .npy files: the first unfiltered scan of a fresh process otherwise
    faults 90k pages one by one (240 ms here against 20 ms once mapped). Best effort:
    elsewhere the first scans just take longer."""
    import ctypes

    try:
        lists = faiss().downcast_InvertedLists(index.invlists)
        address, size = int(lists.ptr), int(lists.totsize)
        libc = ctypes.CDLL(None, use_errno=True)
        libc.madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
        start = address & ~(mmap.PAGESIZE - 1)
        libc.madvise(start, size + address - start, MADV_POPULATE_READ)
    except (AttributeError, OSError, TypeError, ValueError):
        pass


class Unusable(Exception):
    """A build that cannot be used (missing, partial, corrupt, another format)."""


class Mapped:
    """One build, mapped read-only."""

    def __init__(self, folder: Path) -> None:
        try:
            meta = Meta(**json.loads((folder / "meta.json").read_text()))
        except (OSError, ValueError, TypeError) as error:
            raise Unusable(f"no readable meta.json in {folder}: {error}") from error
        if meta.format != FORMAT:
            raise Unusable(f"{folder} is format {meta.format}, this code reads {FORMAT}")
        if meta.database != database_name():
            raise Unusable(f"{folder} was built from the database {meta.database}")
        self.folder, self.meta = folder, meta
        try:
            self.products = _mapped_npy(folder / "products.npy")
            self.fine = _mapped_npy(folder / "fine.npy")
            self.pooled = _mapped_npy(folder / "pooled.npy")
            library = faiss()
            self.index = library.read_index(
                str(folder / "text.faiss"), library.IO_FLAG_MMAP | library.IO_FLAG_READ_ONLY
            )
        except Exception as error:  # FAISS raises RuntimeError, numpy ValueError/OSError
            raise Unusable(f"{folder} cannot be mapped: {error}") from error
        _populate(self.index)
        if settings.SHOP_SEARCH_ACCELERATOR_THREADS > 1:
            self.index.parallel_mode = 1  # one query: its lists split over the threads
        n = meta.products
        checks = {
            "products.npy": (self.products.shape, self.products.dtype, (n,), np.int64),
            "fine.npy": (self.fine.shape, self.fine.dtype, (n * SLOTS, DIM), np.int16),
            "pooled.npy": (self.pooled.shape, self.pooled.dtype, (n, DIM), np.float32),
        }
        for name, (shape, dtype, want_shape, want_dtype) in checks.items():
            if shape != want_shape or dtype != want_dtype:
                raise Unusable(f"{folder / name} is {dtype}{shape}, not {want_dtype}{want_shape}")
        if self.index.ntotal != n * SLOTS or self.index.d != DIM or self.index.nlist != meta.lists:
            raise Unusable(f"{folder / 'text.faiss'} does not hold {n * SLOTS} vectors")
        if n and not (np.diff(self.products) != 0).all():
            raise Unusable(f"{folder / 'products.npy'} repeats a product")
        # Product id -> file row, by binary search over the sorted ids.
        self.by_id = np.argsort(self.products, kind="stable")
        self.sorted_ids = np.asarray(self.products)[self.by_id]
        # The file row's inverted list (its article type at build time).
        try:
            self.row_list = _mapped_npy(folder / "lists.npy")
        except (OSError, ValueError) as error:
            raise Unusable(f"{folder / 'lists.npy'} cannot be mapped: {error}") from error
        if self.row_list.shape != (n,) or (n and int(self.row_list.max()) >= meta.lists):
            raise Unusable(f"{folder / 'lists.npy'} does not match {n} products")
        self.list_sizes = np.bincount(self.row_list, minlength=meta.lists)

    def rows_of(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(file rows of the ids the build holds, the ids it does not hold)."""
        place = np.searchsorted(self.sorted_ids, ids)
        place[place == len(self.sorted_ids)] = 0
        held = self.sorted_ids[place] == ids if len(self.sorted_ids) else np.zeros(len(ids), bool)
        return self.by_id[place[held]], ids[~held]


_lock = threading.Lock()
_mapped: dict[str, Mapped | None] = {}


def mapped_build(model_id: str) -> Mapped | None:
    """The current build for this model, mapped once per process; None (logged once
    per build and process) when there is none or it is unusable or another model's."""
    link = root() / CURRENT
    try:
        target = str(link.parent / os.readlink(link))
    except OSError:
        target = ""
    with _lock:
        if target not in _mapped:
            if not target:
                logger.info("search accelerator: no build at %s; PostgreSQL scores", link)
                _mapped[target] = None
            else:
                try:
                    _mapped[target] = Mapped(Path(target))
                except Unusable as error:
                    logger.error("search accelerator unusable, PostgreSQL scores: %s", error)
                    _mapped[target] = None
            for old in [key for key in _mapped if key.split("\0")[0] != target]:
                del _mapped[old]  # the old mapping goes when its last search ends
        build = _mapped[target]
        if build is None or build.meta.model_id == model_id:
            return build
        key = f"{target}\0{model_id}"
        if key not in _mapped:
            logger.warning(
                "search accelerator built for %s, the shop embeds with %s; PostgreSQL scores",
                build.meta.model_id,
                model_id,
            )
            _mapped[key] = None
    return None


def forget() -> None:
    """Drop every mapping (tests, and after a build in the same process)."""
    with _lock:
        _mapped.clear()
