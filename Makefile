# The two commands a newcomer needs: `make run` and `make test`.
# Both create the virtualenv and install requirements themselves.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
CATALOG ?=
# Development: debug pages and a dev SECRET_KEY. Settings default to production
# (DEBUG off), so only these make targets turn it on.
export DEBUG ?= true

.PHONY: run test venv test-tools migrate import embed lint deploy-check axe

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements.txt
	touch $@

# Debian's Chromium for the browser tests (Playwright's own browser download cannot
# work offline), docker-compose to validate docker-compose.yml (no engine needed),
# nginx for the slow-client test of deploy/nginx.conf, Pango for WeasyPrint's invoice
# PDFs and pdftotext (poppler-utils) for the tests that read them.
test-tools:
	@command -v chromium >/dev/null && command -v docker-compose >/dev/null && \
	  command -v pdftotext >/dev/null && ldconfig -p | grep -q libpangoft2-1.0 && \
	  { command -v nginx || test -x /usr/sbin/nginx; } >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium docker-compose nginx-light \
	      libpango-1.0-0 libpangoft2-1.0-0 poppler-utils >/dev/null; \
	  else echo "Install first: sudo apt-get install -y chromium docker-compose nginx-light libpango-1.0-0 libpangoft2-1.0-0 poppler-utils" >&2; exit 1; fi; }

# axe-core for the browser tests' accessibility checks: npm's package into var/node
# (ignored by git; never loaded from a CDN). Without npm the tests skip those checks.
axe:
	@test -f var/node/node_modules/axe-core/axe.min.js || { command -v npm >/dev/null && \
	  npm install --silent --no-audit --no-fund --prefix var/node axe-core@4 || \
	  echo "npm not found: the browser tests skip their axe-core checks" >&2; }

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
# housekeeping); the worker and the embedded database (when DATABASE_URL is unset)
# stop when the server does (Ctrl-C included).
run: embed
	@$(PY) manage.py worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker; \
	  [ -n "$$DATABASE_URL" ] || $(PY) -m shop.embedded_db stop' EXIT INT TERM; \
	$(PY) manage.py runserver $(HOST):$(PORT)

test: venv test-tools deploy-check axe
	$(VENV)/bin/ruff check .
	$(PY) -m pytest

# Django's deployment checks with production settings (what docker-compose sets, over
# HTTPS); warnings fail. No database is contacted.
deploy-check: venv
	env DEBUG=false SECRET_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))')" \
	  DATABASE_URL=postgres://check@127.0.0.1:1/check ALLOWED_HOSTS=shop.example.com \
	  SHOP_HTTPS=true SECURE_HSTS_SECONDS=31536000 SECURE_HSTS_INCLUDE_SUBDOMAINS=true \
	  SECURE_HSTS_PRELOAD=true $(PY) manage.py check --deploy --fail-level WARNING

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
