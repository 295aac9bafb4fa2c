"""No dead ends: what a results page that found nothing says and offers instead.

It says why (words the shop cannot vouch for, a photo nothing looks enough like, or
filters that leave nothing), offers the same page with one filter taken away (each
with its count, only those that find something), and the products that pass the
understood filters ranked by the vector channel without its floor, labelled "not an
exact match".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.conf import settings
from django.http import QueryDict

from shop.catalog.models import Product
from shop.search import selectors
from shop.search.facets import Chip
from shop.search.filters import ProductFilters
from shop.search.models import SearchPhoto

NEAR_MATCHES = 8
MAX_RELAXATIONS = 6


@dataclass
class Relaxation:
    label: str  # "Without Colour: Blue"
    url: str
    count: int


@dataclass
class DeadEnd:
    reason: str
    relaxations: list[Relaxation] = field(default_factory=list)
    near: list[Product] = field(default_factory=list)  # not an exact match


def _reason(
    *, filters: ProductFilters, effective: ProductFilters, photo: SearchPhoto | None, matched: bool
) -> str:
    narrowed = not effective.is_empty()
    if matched:  # the words or photo found products; the filters left none of them
        return "Products match, but none of them with every filter you chose."
    if photo is not None:
        return "Nothing in the catalog looks enough like your photo" + (
            " with the filters you chose." if narrowed else "."
        )
    if filters.q:
        return f"Nothing in the catalog matches “{filters.q}” closely enough" + (
            " with the filters you chose." if narrowed else "."
        )
    return "No product has every filter you chose."


def _state(url: str) -> ProductFilters:
    return ProductFilters.from_query(QueryDict(urlsplit(url).query))


def _relaxations(
    *,
    filters: ProductFilters,
    chips: list[Chip],
    remove_photo_url: str,
    count: Callable[[ProductFilters], int],
) -> list[Relaxation]:
    options = [(f"Without {chip.label}", chip.url) for chip in chips]
    if filters.in_stock:
        options.append(("With sold-out products", filters.url(in_stock=False)))
    if filters.photo and filters.q:
        options.append(("Without your photo", remove_photo_url))
    relaxations = []
    for label, url in options[:MAX_RELAXATIONS]:
        n = count(_state(url))
        if n:
            relaxations.append(Relaxation(label=label, url=url, count=n))
    return relaxations


def _near(
    *, words: str, photo: SearchPhoto | None, effective: ProductFilters, visible: Callable
) -> list[Product]:
    """The understood filters' products, nearest first by the vector channel, no floor."""
    if photo is None and (not words or effective.is_empty()):
        return []  # with nothing understood, the nearest of everything is no help
    encoder = selectors._encoder_or_none()
    if encoder is None or (photo is not None and photo.model_id != encoder.model_id):
        return []
    ranked = selectors.product_vector_ranking(
        text_embedding=selectors._text_embedding(encoder, words) if words else None,
        image_embedding=photo.embedding if photo is not None else None,
        model_id=encoder.model_id,
        filters=effective,
        limit=NEAR_MATCHES * 2,
        text_weight=settings.SHOP_SEARCH_TEXT_WEIGHT,
    )
    order = [pk for pk, _score in ranked]
    products = visible(Product.objects.browsable().for_display()).in_bulk(order)
    return [products[pk] for pk in order if pk in products][:NEAR_MATCHES]


def dead_end_for(
    *,
    filters: ProductFilters,
    effective: ProductFilters,
    words: str,
    photo: SearchPhoto | None,
    matched: bool,
    chips: list[Chip],
    remove_photo_url: str,
    count: Callable[[ProductFilters], int],
    visible: Callable,
) -> DeadEnd:
    """What an empty results page offers. ``count``: the number of results of a state;
    ``visible``: the merchandising plan's filter (hidden products never show)."""
    return DeadEnd(
        reason=_reason(filters=filters, effective=effective, photo=photo, matched=matched),
        relaxations=_relaxations(
            filters=filters, chips=chips, remove_photo_url=remove_photo_url, count=count
        ),
        near=_near(words=words, photo=photo, effective=effective, visible=visible),
    )
