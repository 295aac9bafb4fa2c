"""The task engine's worker, run for real against the test database."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

REPO = Path(settings.BASE_DIR)


def run_worker(*queues: str) -> None:
    """Run procrastinate's worker in this process until the queues are empty."""
    from procrastinate.contrib.django import app

    with app.replace_connector(app.connector.get_worker_connector()):
        app.run_worker(
            queues=list(queues) or None,
            wait=False,
            install_signal_handlers=False,
            listen_notify=False,
        )


def worker_env(**extra: str) -> dict[str, str]:
    """Environment for a worker subprocess on the test database and media."""
    return {
        **os.environ,
        "SHOP_DB_NAME": connection.settings_dict["NAME"],
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "SHOP_EMBEDDING_MODEL": "dev-tiny",
        **extra,
    }


def worker_process(*args: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
    command = [sys.executable, "manage.py", "procrastinate", "worker", *args]
    return subprocess.Popen(
        command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )


def _jobs_clear() -> None:
    # procrastinate's tables are not Django-managed: a flush leaves them alone.
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE procrastinate_jobs, procrastinate_events, procrastinate_periodic_defers, "
            "procrastinate_workers CASCADE"
        )


@pytest.fixture
def empty_queues(transactional_db) -> Callable[[], None]:
    """No job left over from another test (the engine's tables survive flushes)."""
    _jobs_clear()
    yield _jobs_clear
    _jobs_clear()
