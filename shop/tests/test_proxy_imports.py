"""Catalog imports behind the proxy (deploy/nginx.conf): a zip over the 9 MB body limit
reaches the admin from a staff member who may import, and from nobody else.

Skipped where nginx is not installed (`make test-tools` installs it).
"""

from __future__ import annotations

import re
import shutil
import tempfile
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission, User

from shop.tests import test_slow_clients
from shop.tests.test_slow_clients import NGINX

# The proxy in front of a real gunicorn, as the slow-client test runs them.
gunicorn_port = test_slow_clients.gunicorn_port
proxy = test_slow_clients.nginx_port

IMPORT_URL = "/admin/jobs/catalogimport/add/"
BIG = 12 * 1024 * 1024  # over the 9 MB every other location takes

pytestmark = [
    pytest.mark.skipif(NGINX is None, reason="nginx is not installed (make test-tools)"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def tmp_path() -> Iterator[Path]:
    """nginx's folder (its temp files included), open to its unprivileged workers:
    a body this big is spooled to disk, and pytest's own temp folders are private."""
    folder = Path(tempfile.mkdtemp(prefix="threadline-nginx-"))
    folder.chmod(0o777)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def _request(
    port: int, path: str, *, body: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], str]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=body,
        headers=headers or {},
        method="POST" if body is not None else "GET",
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode(errors="replace")


def _multipart(fields: dict[str, str], *, file_field: str, content: bytes) -> tuple[bytes, str]:
    boundary = "threadline-test-boundary"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; '
        f'filename="catalog.zip"\r\nContent-Type: application/zip\r\n\r\n'.encode()
        + content
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def _staff_cookie(client, *, may_import: bool) -> str:
    user = User.objects.create_user(
        f"staff-{may_import}", password="a long test password", is_staff=True
    )
    if may_import:
        user.user_permissions.add(Permission.objects.get(codename="add_catalogimport"))
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def test_a_big_import_zip_reaches_the_admin_only_from_staff_who_may_import(proxy, client):
    nginx_port = proxy
    junk = b"PK\x03\x04" + b"\0" * BIG  # a zip's signature, then nothing readable

    # Everywhere else the 9 MB limit holds.
    status, _, _ = _request(nginx_port, "/search/", body=junk)
    assert status == 413

    # Anonymous: refused by the proxy before it reads the body (not 413, not the app).
    status, _, _ = _request(nginx_port, IMPORT_URL, body=junk)
    assert status == 403

    # Staff without the permission to add imports: refused the same way.
    cookie = _staff_cookie(client, may_import=False)
    status, _, _ = _request(nginx_port, IMPORT_URL, body=junk, headers={"Cookie": cookie})
    assert status == 403

    # Staff who may import: the form's page comes through, then the 12 MB zip reaches
    # the admin, whose form answers it (not a catalog zip), with no 413 on the way.
    cookie = _staff_cookie(client, may_import=True)
    status, headers, page = _request(nginx_port, IMPORT_URL, headers={"Cookie": cookie})
    assert status == 200
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    csrf_cookie = re.search(r"csrftoken=([^;]+)", headers.get("Set-Cookie", "")).group(1)
    body, content_type = _multipart(
        {"csrfmiddlewaretoken": token}, file_field="archive", content=junk
    )
    status, _, page = _request(
        nginx_port,
        IMPORT_URL,
        body=body,
        headers={"Cookie": f"{cookie}; csrftoken={csrf_cookie}", "Content-Type": content_type},
    )
    assert status == 200, page[:2000]
    assert "errorlist" in page
