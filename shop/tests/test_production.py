from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import OperationalError
from rest_framework.test import APIClient

from shop.search import results, selectors

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "DATABASE_URL": "postgres://check@127.0.0.1:1/check",
    "ALLOWED_HOSTS": "shop.example.com",
    "SHOP_HTTPS": "true",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
    "SECURE_HSTS_PRELOAD": "true",
}


def _env(**overrides: str) -> dict[str, str]:
    # The suite's own settings (shop/testenv.py) are not production's.
    drop = {*PRODUCTION, "DJANGO_ALLOW_ASYNC_UNSAFE", "SHOP_DB_CONN_MAX_AGE"}
    env = {k: v for k, v in os.environ.items() if k not in drop}
    return env | overrides


def _settings(env: dict[str, str], *names: str) -> dict:
    code = (
        "import json, django; from django.conf import settings; django.setup(); "
        f"print(json.dumps({{n: getattr(settings, n) for n in {list(names)!r}}}, default=str))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env | {"DJANGO_SETTINGS_MODULE": "shop.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_deploy_check_passes_with_production_settings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=_env(**PRODUCTION),
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_hsts_subdomains_and_preload_are_set_from_the_environment():
    values = _settings(_env(**PRODUCTION), "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD")

    assert values == {"SECURE_HSTS_INCLUDE_SUBDOMAINS": True, "SECURE_HSTS_PRELOAD": True}


def test_debug_is_off_unless_asked_for():
    env = _env(SECRET_KEY="x" * 50, DATABASE_URL=PRODUCTION["DATABASE_URL"])

    assert _settings(env, "DEBUG") == {"DEBUG": False}


def test_the_dockerfile_does_not_turn_debug_on():
    text = (ROOT / "Dockerfile").read_text()

    assert "DEBUG=true" not in text.replace(" ", "")
    assert "DEBUG=1" not in text.replace(" ", "")


def test_database_url_connections_are_health_checked():
    env = _env(SECRET_KEY="x" * 50, DATABASE_URL=PRODUCTION["DATABASE_URL"])

    database = _settings(env, "DATABASES")["DATABASES"]["default"]

    assert database["CONN_HEALTH_CHECKS"] is True
    assert database["CONN_MAX_AGE"] > 0


@pytest.mark.django_db
def test_a_server_error_gets_the_shops_500_page(client, monkeypatch):
    monkeypatch.setattr(results, "results_page", _raise(RuntimeError("boom")))
    client.raise_request_exception = False

    response = client.get("/")

    assert response.status_code == 500
    page = response.content.decode()
    assert "Something went wrong on our side" in page
    assert "css/shop.css" in page
    assert "boom" not in page


@pytest.mark.django_db
def test_a_database_outage_gets_the_503_page_with_retry_after(client, monkeypatch):
    monkeypatch.setattr(results, "results_page", _raise(OperationalError("server closed")))
    client.raise_request_exception = False

    response = client.get("/")

    assert response.status_code == 503
    assert "briefly unavailable" in response.content.decode()
    assert response["Retry-After"] == "30"


@pytest.mark.django_db
def test_a_database_outage_on_the_api_is_a_json_503(monkeypatch):
    monkeypatch.setattr(selectors, "product_list", _raise(OperationalError("server closed")))

    response = APIClient(raise_request_exception=False).get("/api/products/")

    assert response.status_code == 503
    assert "briefly unavailable" in response.json()["detail"]


@pytest.mark.django_db
def test_healthz_reports_the_database_and_the_model(client, settings):
    settings.ALLOWED_HOSTS = ["shop.example.com"]
    settings.SECURE_SSL_REDIRECT = True

    response = client.get("/healthz", HTTP_HOST="10.0.0.5:8000")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["model"]["name"] == settings.SHOP_EMBEDDING_MODEL
    assert isinstance(body["model"]["loaded"], bool)


def _worker_beat(seconds_ago: int) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO procrastinate_workers (last_heartbeat) "
            "VALUES (now() - make_interval(secs => %s))",
            [seconds_ago],
        )


@pytest.mark.django_db
def test_healthz_and_the_admin_tell_when_no_task_worker_has_been_seen(client, admin_client):
    # No worker ever: reported (the web side still serves, so still 200) and bannered.
    body = client.get("/healthz").json()
    assert body["status"] == "ok" and body["worker"] == {"status": "not seen", "seen_s_ago": None}
    assert b"worker-missing-banner" in admin_client.get("/admin/").content

    _worker_beat(seconds_ago=600)  # a worker that died ten minutes ago
    body = client.get("/healthz").json()
    assert body["worker"]["status"] == "not seen" and body["worker"]["seen_s_ago"] >= 600
    assert b"worker-missing-banner" in admin_client.get("/admin/").content

    _worker_beat(seconds_ago=5)  # one beating now
    body = client.get("/healthz").json()
    assert body["worker"]["status"] == "ok" and body["worker"]["seen_s_ago"] < 60
    assert b"worker-missing-banner" not in admin_client.get("/admin/").content


@pytest.mark.django_db
def test_healthz_is_503_when_the_database_is_unreachable(client, monkeypatch):
    from django.db import connection

    monkeypatch.setattr(connection, "cursor", _raise(OperationalError("refused")))

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["database"] == "unavailable"


def _raise(error: Exception):
    def raiser(*args: object, **kwargs: object):
        raise error

    return raiser


@pytest.mark.django_db
def test_an_unknown_api_url_is_a_json_404(client):
    response = client.get("/api/products/not-a-number/")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}
    assert client.get("/no-such-page/").status_code == 404
