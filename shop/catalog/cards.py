"""The product card: what it shows, and its HTML rendered once per distinct card.

A results page shows 24 cards and the template engine spent ~130 µs on each. A card's
HTML is a function of a few values (``Card``): the card template is rendered from a
``Card`` and nothing else, so a field the template reads is a field of the key, and a
change of name, price, stock or photo is a new card, rendered at once. The click token
(``search_token``, per shopper and search) is never part of the cached HTML: the card
is rendered with a marker in its place, and each request puts its own token there.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from decimal import Decimal

from django.core.files.storage import default_storage
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.defaultfilters import urlencode
from django.template.loader import render_to_string
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify

from shop.catalog.models import Product
from shop.paths import cached_reverse

TEMPLATE = "partials/product_card.html"
# Where a card's click token goes. Capitals: the URL before it is a slug (lower case),
# so its first occurrence is the token's place.
TOKEN_MARKER = "CARDTOKENMARKER"
# Distinct cards kept per process (~1 KB each): a catalog's most shown products.
CARDS_KEPT = 4096


@dataclass(frozen=True)
class Card:
    """Everything a product card shows (``partials/product_card.html`` reads only this)."""

    pk: int
    name: str
    brand_name: str
    thumbnail_name: str
    price: Decimal | None
    list_price: Decimal | None
    is_sold_out: bool
    search_reasons: tuple[str, ...] = ()
    # TOKEN_MARKER when the card carries a click token, "" when it does not.
    search_token: str = ""

    @classmethod
    def of(cls, product: Product) -> Card:
        """The card of a product (its brand and sizes loaded, as ``for_display``)."""
        return cls(
            pk=product.pk,
            name=product.name,
            brand_name=product.brand.name if product.brand_id else "",
            thumbnail_name=product.thumbnail.name or "",
            price=product.price,
            list_price=product.list_price,
            is_sold_out=product.is_sold_out,
            search_reasons=tuple(getattr(product, "search_reasons", None) or ()),
            search_token=TOKEN_MARKER if getattr(product, "search_token", "") else "",
        )

    def get_absolute_url(self) -> str:
        # As Product.get_absolute_url.
        return cached_reverse("catalog:product_detail", self.pk, slugify(self.name) or "product")

    @property
    def thumbnail_url(self) -> str:
        return default_storage.url(self.thumbnail_name) if self.thumbnail_name else ""


@functools.lru_cache(maxsize=CARDS_KEPT)
def _card_parts(card: Card) -> tuple[str, str]:
    """The card's HTML, split where its token goes (all of it first when it has none)."""
    html = render_to_string(TEMPLATE, {"product": card})
    head, _marker, tail = html.partition(TOKEN_MARKER)
    return (head, tail) if _marker else (html, "")


def card_html(product: Product) -> SafeString:
    """A product's card, with this request's click token (``product.search_token``)."""
    head, tail = _card_parts(Card.of(product))
    token = getattr(product, "search_token", "")
    if not token:
        return mark_safe(head + tail)  # noqa: S308 (rendered by the template engine)
    return mark_safe(head + conditional_escape(urlencode(token)) + tail)  # noqa: S308 (same)


@receiver(setting_changed)
def _forget_cards(**kwargs: object) -> None:
    # Templates, media URLs and storages are read when a card is first rendered.
    _card_parts.cache_clear()
