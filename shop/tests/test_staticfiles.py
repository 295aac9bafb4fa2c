"""Production's static files storage: whitenoise's hashed names, each URL looked up once."""

from __future__ import annotations

import json

import pytest

from shop.staticfiles import StaticFilesStorage


def test_a_static_url_is_the_manifests_hashed_name_every_time(tmp_path, monkeypatch):
    (tmp_path / "staticfiles.json").write_text(
        json.dumps({"paths": {"css/shop.css": "css/shop.0123abcd.css"}, "version": "1.1"})
    )
    storage = StaticFilesStorage(location=tmp_path, base_url="/static/")
    assert storage.url("css/shop.css") == "/static/css/shop.0123abcd.css"
    lookups = []
    monkeypatch.setattr(storage, "stored_name", lambda name: lookups.append(name) or name)
    assert storage.url("css/shop.css") == "/static/css/shop.0123abcd.css"
    assert lookups == [], "the second time from the memo"
    with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
        StaticFilesStorage(location=tmp_path, base_url="/static/").url("css/missing.css")
