"""What search engines and link previews read about a product page.

schema.org ``Product`` (price, currency, availability per size) and ``BreadcrumbList``
as plain data; the template writes it with the ``json_ld`` tag, which escapes it.
"""

from __future__ import annotations

import html

from django.http import HttpRequest
from django.utils.html import strip_tags
from django.utils.text import Truncator

from shop.catalog.descriptions import description_render
from shop.catalog.models import Product
from shop.money import currency_code
from shop.paths import cached_reverse

IN_STOCK = "https://schema.org/InStock"
OUT_OF_STOCK = "https://schema.org/OutOfStock"
DESCRIPTION_CHARS = 160


def product_description(*, product: Product) -> str:
    """A one-line summary for ``<meta name="description">`` and Open Graph."""
    # The description as shown (mojibake repaired), as text: entities read, tags gone.
    text = " ".join(html.unescape(strip_tags(description_render(product.description))).split())
    if not text:
        parts = [product.brand.name if product.brand_id else "", product.name]
        if product.base_colour:
            parts.append(product.base_colour.lower())
        parts.append(product.category.name.lower())
        text = " ".join(p for p in parts if p) + " at Threadline."
    return Truncator(text).chars(DESCRIPTION_CHARS)


def product_structured_data(*, product: Product, url: str, request: HttpRequest) -> list[dict]:
    """schema.org Product and BreadcrumbList for one product page."""
    data: dict[str, object] = {
        "@context": "https://schema.org",
        "@type": "Product",
        "name": product.name,
        "sku": product.external_id,
        "url": url,
        "description": product_description(product=product),
        "category": product.category.name,
    }
    if product.image:
        data["image"] = request.build_absolute_uri(product.image.url)
    if product.brand_id:
        data["brand"] = {"@type": "Brand", "name": product.brand.name}
    if product.base_colour:
        data["color"] = product.base_colour
    if product.price is not None:
        data["offers"] = {
            "@type": "Offer",
            "url": url,
            "price": str(product.price),
            "priceCurrency": currency_code(),
            "availability": OUT_OF_STOCK if product.is_sold_out else IN_STOCK,
            "itemCondition": "https://schema.org/NewCondition",
        }
    home = request.build_absolute_uri(cached_reverse("search:product_list"))
    crumbs = [
        ("All products", home),
        (product.category.name, request.build_absolute_uri(product.category.get_absolute_url())),
        (product.name, url),
    ]
    breadcrumbs = {
        "@context": "https://schema.org",
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": i, "name": name, "item": link}
            for i, (name, link) in enumerate(crumbs, start=1)
        ],
    }
    return [data, breadcrumbs]
