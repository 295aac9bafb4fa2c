"""The production server (gunicorn.conf.py, the Dockerfile's `gunicorn`) loads the
encoder in the master before forking, so no shopper waits for the model."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_gunicorn_preloads_the_text_tower_before_forking_workers(tmp_path: Path) -> None:
    log = tmp_path / "gunicorn.log"
    env = dict(
        os.environ,
        SHOP_BIND=f"127.0.0.1:{_free_port()}",
        SHOP_EMBEDDING_MODEL="dev-tiny",
        SHOP_DATA_DIR=str(tmp_path),
        # Start-up touches no database; a URL nobody listens on proves it.
        DATABASE_URL="postgres://nobody@127.0.0.1:9/none",
        WEB_CONCURRENCY="2",
    )
    gunicorn = Path(sys.executable).parent / "gunicorn"
    with open(log, "w") as out:
        server = subprocess.Popen(
            [str(gunicorn)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and log.read_text().count("Booting worker") < 2:
            assert server.poll() is None, log.read_text()
            time.sleep(0.5)
        text = log.read_text()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)

    assert text.count("Booting worker") == 2, text
    preloaded = text.index("Preloaded Blip2Encoder(model_id='dev-tiny@")
    assert preloaded < text.index("Booting worker"), "the model loads before any worker"
    assert "text_quantized=True" in text and "vision tower lazy" in text
    frozen = re.search(r"(\d+) objects frozen in the master", text)
    assert frozen and int(frozen[1]) > 100_000, "the master's objects are frozen"
    assert frozen.start() < text.index("Booting worker"), "before the fork"
    assert "Worker exiting" not in text[: text.rindex("Booting worker")]
