# The two commands a newcomer needs: `make run` and `make test`.
# Both create the virtualenv and install requirements themselves.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
CATALOG ?=

.PHONY: run test venv test-tools migrate import embed lint

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements.txt
	touch $@

# Debian's Chromium for the browser tests (Playwright's own browser download cannot
# work offline) and docker-compose to validate docker-compose.yml (no engine needed).
test-tools:
	@command -v chromium >/dev/null && command -v docker-compose >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium docker-compose >/dev/null; \
	  else echo "Install first: sudo apt-get install -y chromium docker-compose" >&2; exit 1; fi; }

migrate: venv
	$(PY) manage.py migrate --noinput
	$(PY) manage.py createcachetable

import: migrate
	@if [ -n "$(CATALOG)" ]; then $(PY) manage.py import_catalog "$(CATALOG)"; fi

# Embeds what is missing, when SHOP_EMBEDDING_MODEL is set explicitly: dev-tiny takes
# seconds; the real BLIP-2 downloads ~4.7 GB and wants a GPU (~5 s a photo on a CPU),
# so it is never started behind a newcomer's back. Without a loadable model the shop
# still serves (browse and keyword search), so a failure here only warns.
embed: import
	@if [ -n "$$SHOP_EMBEDDING_MODEL" ]; then \
	  $(PY) manage.py embed_catalog || echo "WARNING: embedding failed (see above); keyword search still works." >&2; \
	else echo "Not embedding: set SHOP_EMBEDDING_MODEL (dev-tiny, or a BLIP-2 checkpoint) to enable visual search."; fi

# The web server with a task worker beside it (admin imports, re-embeds, e-mails,
# housekeeping); the worker stops when the server does (Ctrl-C included).
run: embed
	@$(PY) manage.py procrastinate worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	$(PY) manage.py runserver $(HOST):$(PORT)

test: venv test-tools
	$(VENV)/bin/ruff check .
	$(PY) -m pytest

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
