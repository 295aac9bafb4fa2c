"""A pytest plugin (``-p shop.testenv`` in pytest.ini), loaded before Django's settings.

Settings default to production (DEBUG off, which needs a SECRET_KEY and collected
static files); the suite runs as a developer does, and so do the manage.py
subprocesses some tests start, which inherit this environment.
"""

from __future__ import annotations

import os

os.environ.setdefault("DEBUG", "true")
# A connection per request in tests: a live server's keep-alive thread (a browser test's
# idle socket) would otherwise hold its database session to the end of the run, and the
# test database could not be dropped.
os.environ.setdefault("SHOP_DB_CONN_MAX_AGE", "0")
