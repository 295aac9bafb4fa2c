from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"


@pytest.fixture(scope="module")
def compose() -> dict:
    with open(COMPOSE_FILE) as f:
        return yaml.safe_load(f)


def _environment(service: dict) -> dict[str, str]:
    env = service.get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return env


def _volume_sources(service: dict) -> list[str]:
    sources = []
    for volume in service.get("volumes", []):
        sources.append(volume.split(":", 1)[0] if isinstance(volume, str) else volume["source"])
    return sources


def test_the_database_runs_pgvector_on_a_named_volume(compose):
    db = compose["services"]["db"]

    assert db["image"].startswith("pgvector/pgvector:")
    named = set(compose.get("volumes") or {})
    assert any(source in named for source in _volume_sources(db))
    assert any(str(volume).endswith(":/var/lib/postgresql/data") for volume in db["volumes"])


def test_the_database_gets_memory_for_its_vector_indexes(compose):
    command = compose["services"]["db"]["command"]
    settings = dict(arg.split("=", 1) for arg in command if "=" in arg)
    assert settings["shared_buffers"] == "${POSTGRES_SHARED_BUFFERS:-2GB}"
    assert set(settings) >= {"effective_cache_size", "maintenance_work_mem"}


def test_the_database_requires_a_password_and_has_a_healthcheck(compose):
    db = compose["services"]["db"]

    assert "?" in _environment(db)["POSTGRES_PASSWORD"]  # ${VAR:?...}: no default password
    test = db["healthcheck"]["test"]
    assert "pg_isready" in (test if isinstance(test, str) else " ".join(test))


def test_the_web_service_is_built_from_the_dockerfile(compose):
    web = compose["services"]["web"]

    build = web["build"]
    context = build if isinstance(build, str) else build.get("context", ".")
    dockerfile = "Dockerfile" if isinstance(build, str) else build.get("dockerfile", "Dockerfile")
    assert (ROOT / context / dockerfile).is_file()


def test_the_web_service_talks_to_the_database_in_production_mode(compose):
    env = _environment(compose["services"]["web"])

    assert env["DATABASE_URL"].startswith("postgres://")
    assert "@db:5432/" in env["DATABASE_URL"]
    assert str(env["DEBUG"]).lower() == "false"
    assert "?" in env["SECRET_KEY"]  # required, never defaulted


def test_the_web_service_waits_for_a_healthy_database(compose):
    depends_on = compose["services"]["web"]["depends_on"]

    assert depends_on["db"]["condition"] == "service_healthy"


def _compose_config(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`docker-compose config` on our file; `make test` installs Debian's docker-compose,
    which validates without a Docker engine."""
    binary = shutil.which("docker-compose")
    assert binary, "docker-compose is missing: run `make test-tools`"
    return subprocess.run(
        [binary, "-f", str(COMPOSE_FILE), "config"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_docker_compose_accepts_the_file():
    result = _compose_config(os.environ | {"POSTGRES_PASSWORD": "pw", "SECRET_KEY": "k"})

    assert result.returncode == 0, result.stderr
    config = yaml.safe_load(result.stdout)
    assert "postgres://shop:pw@db:5432/shop" in str(config["services"]["web"]["environment"])


def test_docker_compose_refuses_to_run_without_a_password():
    env = {k: v for k, v in os.environ.items() if k not in ("POSTGRES_PASSWORD", "SECRET_KEY")}

    result = _compose_config(env)

    assert result.returncode != 0
    assert "POSTGRES_PASSWORD" in result.stderr + result.stdout


def test_nginx_fronts_the_web_service_which_publishes_no_port(compose):
    proxy, web = compose["services"]["proxy"], compose["services"]["web"]

    assert proxy["image"].startswith("nginx:")
    assert "./deploy/nginx.conf:/etc/nginx/nginx.conf:ro" in proxy["volumes"]
    assert proxy["ports"]
    assert "ports" not in web
    assert proxy["depends_on"]["web"]["condition"] == "service_healthy"
    assert "/healthz" in " ".join(web["healthcheck"]["test"])


def test_the_proxy_buffers_bodies_and_bounds_sizes_and_timeouts():
    conf = (ROOT / "deploy" / "nginx.conf").read_text()

    for directive in (
        "client_max_body_size 9m;",
        "client_body_timeout 10s;",
        "client_header_timeout 10s;",
        "proxy_request_buffering on;",
        "proxy_buffering on;",
        "server web:8000;",
        "location /static/",
    ):
        assert directive in conf
