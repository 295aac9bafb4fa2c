"""Latency of checkout (the POST that places an order), end to end through Django.

Each run fills a fresh cart (3 lines, one of them with tracked stock), opens the
checkout page, then times the checkout POST: form validation, the transaction that
locks and takes stock, order + lines, the cart emptied, the confirmation e-mail
(locmem backend, on commit) and the redirect. Adding to the cart and the cart page are
timed too. Needs only a migrated database (`make migrate`); it makes its own product
and removes it and its orders afterwards.

    .venv/bin/python bench/checkout_latency.py [--repeat 50]

Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import statistics
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")
# Settings default to production (DEBUG off); benchmarks run as `make run` does.
os.environ.setdefault("DEBUG", "true")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.test import Client  # noqa: E402

from shop.catalog.models import Category, Product, ProductVariant  # noqa: E402
from shop.orders.models import Order  # noqa: E402

FORM = {
    "email": "bench@example.com",
    "name": "Bench Shopper",
    "line1": "1 Residency Road",
    "city": "Bengaluru",
    "state": "Karnataka",
    "postcode": "560025",
    "phone": "9876543210",
    "delivery_method": "standard",
    "payment_method": "cod",
}


def summary(label: str, times: list[float]) -> None:
    times = sorted(times)
    p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
    print(f"{label:<34} p50 {statistics.median(times):7.1f} ms   p95 {p95:7.1f} ms")


def hidden(html: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]*)"', html).group(1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    settings.ALLOWED_HOSTS = ["*"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    logging.getLogger("shop.orders").setLevel(logging.WARNING)

    tag = uuid.uuid4().hex[:8]
    category, _ = Category.objects.get_or_create(
        name="Bench Kurtas", defaults={"slug": "bench-kurtas"}
    )
    product = Product.objects.create(
        external_id=f"bench-{tag}", name="Bench Kurta", category=category, price=Decimal("799")
    )
    variants = [
        ProductVariant.objects.create(
            product=product,
            size=size,
            sku=f"bench-{tag}-{size}",
            stock=10**6 if size == "M" else None,
            position=i,
        )
        for i, size in enumerate(("S", "M", "L"))
    ]
    adds, carts, checkouts = [], [], []
    try:
        for run in range(args.repeat + 1):  # the first run warms up
            client = Client()
            started = time.perf_counter()
            for variant in variants:
                data = {"product": product.pk, "variant": variant.pk, "quantity": 1}
                assert client.post("/cart/add/", data).status_code == 302
            added = (time.perf_counter() - started) * 1000 / len(variants)
            started = time.perf_counter()
            assert client.get("/cart/").status_code == 200
            cart = (time.perf_counter() - started) * 1000
            page = client.get("/checkout/").content.decode()
            form = {
                **FORM,
                "checkout_token": hidden(page, "checkout_token"),
                "cart_fingerprint": hidden(page, "cart_fingerprint"),
            }
            started = time.perf_counter()
            response = client.post("/checkout/", form)
            checkout = (time.perf_counter() - started) * 1000
            assert response.status_code == 302, response.status_code
            if run:
                adds.append(added)
                carts.append(cart)
                checkouts.append(checkout)
        print(f"{args.repeat} checkouts of a 3-line cart, load average {os.getloadavg()[0]:.2f}")
        summary("add to cart (POST, per line)", adds)
        summary("cart page (GET)", carts)
        summary("checkout (POST, places the order)", checkouts)
    finally:
        Order.objects.filter(email=FORM["email"], lines__sku__startswith=f"bench-{tag}").delete()
        product.delete()


if __name__ == "__main__":
    main()
