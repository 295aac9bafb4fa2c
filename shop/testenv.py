"""A pytest plugin (``-p shop.testenv`` in pytest.ini), loaded before Django's settings.

Settings default to production (DEBUG off, which needs a SECRET_KEY and collected
static files); the suite runs as a developer does, and so do the manage.py
subprocesses some tests start, which inherit this environment.
"""

from __future__ import annotations

import os

os.environ.setdefault("DEBUG", "true")
