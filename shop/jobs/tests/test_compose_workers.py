"""docker-compose.yml runs task workers beside the web service, and GPU embedding
workers under the `gpu` profile."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[3]


def _config(*profile: str) -> dict:
    binary = shutil.which("docker-compose")
    assert binary, "docker-compose is missing: run `make test-tools`"
    result = subprocess.run(
        [binary, "-f", str(ROOT / "docker-compose.yml"), *profile, "config"],
        cwd=ROOT,
        env=os.environ | {"POSTGRES_PASSWORD": "pw", "SECRET_KEY": "k"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)["services"]


def _command(service: dict) -> str:
    command = service["command"]
    return command if isinstance(command, str) else " ".join(command)


def test_a_worker_service_runs_the_task_engine_on_the_database() -> None:
    worker = _config()["worker"]
    # manage.py worker: procrastinate's worker, started again whenever it dies.
    assert _command(worker) == "python manage.py worker"
    assert "@db:5432/" in worker["environment"]["DATABASE_URL"]
    assert worker["depends_on"]["db"]["condition"] == "service_healthy"


def test_the_gpu_worker_takes_embedding_shards_on_a_gpu_only_under_its_profile() -> None:
    gpu = _config("--profile", "gpu")["worker-gpu"]
    assert gpu["profiles"] == ["gpu"]  # `docker compose up` alone leaves it out
    assert _command(gpu).endswith("manage.py worker --queues embedding")
    assert gpu["environment"]["SHOP_EMBEDDING_DEVICE"] == "cuda"
    devices = gpu["deploy"]["resources"]["reservations"]["devices"]
    assert devices[0]["capabilities"] == ["gpu"]
