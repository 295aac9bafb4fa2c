"""Slow clients cannot take the shop offline behind the proxy (deploy/nginx.conf).

gunicorn runs with 2 sync workers (the bare shape; production's gthread workers only
raise the number of slow clients it takes); two clients send a request body
at 2 bytes/s. Straight to gunicorn they hold both workers and a health probe gets
no answer; through nginx, which buffers whole bodies before passing them on, the
probe is answered at once. Skipped where nginx is not installed (`make test-tools`
installs it).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
NGINX = shutil.which("nginx") or next(
    (path for path in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.path.exists(path)), None
)
SLOW_CLIENTS = 2
SLOW_FOR_S = 8.0
PROBE_TIMEOUT_S = 3.0

pytestmark = [
    pytest.mark.skipif(NGINX is None, reason="nginx is not installed (make test-tools)"),
    pytest.mark.django_db,
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _probe(port: int, timeout: float = PROBE_TIMEOUT_S) -> int | None:
    """The status of GET /healthz, or None when nothing answers in time."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=timeout) as r:
            return r.status
    except urllib.error.HTTPError as error:
        return error.code
    except (TimeoutError, urllib.error.URLError, ConnectionError):
        return None


def _wait_until_up(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 90
    while _probe(port, timeout=2) != 200:
        assert process.poll() is None, "the server exited"
        assert time.monotonic() < deadline, "the server did not come up"
        time.sleep(0.3)


@contextlib.contextmanager
def _running(command: list[str], *, env: dict[str, str] | None = None) -> Iterator[None]:
    # Its own process group: stopping it stops its workers too. A gunicorn worker still
    # reading a slow body outlives a killed master and keeps its database connection.
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        yield process
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=15)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # whatever is left of the group
        process.wait()


@pytest.fixture
def gunicorn_port() -> Iterator[int]:
    port = _free_port()
    env = os.environ | {"SHOP_DB_NAME": connection.settings_dict["NAME"]}
    command = [
        *(sys.executable, "-m", "gunicorn", "shop.wsgi:application"),
        *("--bind", f"127.0.0.1:{port}", "--workers", "2", "--timeout", "60"),
        # Explicit over gunicorn.conf.py (gthread): one request per worker.
        *("--worker-class", "sync", "--threads", "1"),
    ]
    with _running(command, env=env) as process:
        _wait_until_up(port, process)
        yield port


@pytest.fixture
def nginx_port(gunicorn_port: int, tmp_path: Path) -> Iterator[int]:
    port = _free_port()
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    for production, here in (
        ("server web:8000;", f"server 127.0.0.1:{gunicorn_port};"),
        ("listen 8080;", f"listen 127.0.0.1:{port};"),
        (
            "http {",
            "http {\n"
            + "".join(f"{kind}_temp_path {tmp_path}/{kind};\n" for kind in ("client_body", "proxy"))
            + "".join(f"{kind}_temp_path {tmp_path}/{kind};\n" for kind in ("fastcgi", "uwsgi"))
            + f"scgi_temp_path {tmp_path}/scgi;\n",
        ),
    ):
        assert production in conf
        conf = conf.replace(production, here, 1)
    tmp_path.chmod(0o777)
    (tmp_path / "nginx.conf").write_text(conf)
    command = [
        *(NGINX, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")),
        *("-g", f"daemon off; pid {tmp_path}/nginx.pid;"),
    ]
    with _running(command) as process:
        _wait_until_up(port, process)
        yield port


def _slow_clients(port: int) -> list[threading.Thread]:
    """Clients that announce a 64-byte JSON body and send it at 2 bytes/s."""

    def send() -> None:
        with socket.create_connection(("127.0.0.1", port), timeout=SLOW_FOR_S + 5) as s:
            s.sendall(
                b"POST /api/search/ HTTP/1.1\r\nHost: localhost\r\n"
                b"Content-Type: application/json\r\nContent-Length: 64\r\n\r\n"
            )
            deadline = time.monotonic() + SLOW_FOR_S
            with contextlib.suppress(OSError):
                while time.monotonic() < deadline:
                    s.sendall(b" ")
                    time.sleep(0.5)

    threads = [threading.Thread(target=send, daemon=True) for _ in range(SLOW_CLIENTS)]
    for thread in threads:
        thread.start()
    time.sleep(1.0)  # both connected and sending
    return threads


def test_slow_bodies_starve_gunicorn_alone_but_not_behind_the_proxy(gunicorn_port, nginx_port):
    threads = _slow_clients(gunicorn_port)
    direct = _probe(gunicorn_port)
    for thread in threads:
        thread.join()

    threads = _slow_clients(nginx_port)
    started = time.monotonic()
    proxied = _probe(nginx_port)
    answered_while_slow = time.monotonic() - started < SLOW_FOR_S - 2
    for thread in threads:
        thread.join()

    assert direct is None, "the slow clients should hold both sync workers"
    assert proxied == 200
    assert answered_while_slow
