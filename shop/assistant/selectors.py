"""Reads for the assistant: the catalog's vocabulary, products for a request, the conversation."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.contrib.humanize.templatetags.humanize import intcomma
from django.db.models import Count, Q
from django.template.defaultfilters import floatformat

from shop.assistant.classifier import CatalogVocabulary, CategoryInfo, Classification
from shop.assistant.offline import OCCASION_WORDS
from shop.catalog.exceptions import CatalogError
from shop.catalog.models import Category, Product
from shop.catalog.selectors import ProductFilters, product_list, product_search

if TYPE_CHECKING:
    from PIL.Image import Image

SESSION_KEY = "assistant"
# Ten exchanges: enough context for follow-ups, small enough for a cookie-less session row.
MAX_TURNS = 20


def catalog_vocabulary() -> CatalogVocabulary:
    """Article types a shopper can be shown (those with browsable products)."""
    rows = (
        Category.objects.annotate(n=Count("products", filter=Q(products__is_active=True)))
        .filter(n__gt=0)
        .order_by("-n", "name")
        .values_list("name", "sub_category", "master_category")
    )
    return CatalogVocabulary(
        categories=tuple(CategoryInfo(name, sub, master) for name, sub, master in rows)
    )


@dataclass
class Retrieved:
    products: list[Product]
    notices: list[str] = field(default_factory=list)


def assistant_products(
    *, classification: Classification, text: str, photo: Image | None
) -> Retrieved:
    """Products for each thing the shopper wants, ``number_of_items`` each.

    Each want is searched with the shopper's descriptive words and/or photo, filtered
    to its article types; when search finds fewer than asked for (no words that
    match, no embeddings yet), the want is topped up from the same article types so
    the shopper sees what the shop has.
    """
    retrieved = Retrieved(products=[])
    k = classification.number_of_items
    groups = [want.categories for want in classification.wants]
    if not groups:
        if classification.not_carried or (not text and photo is None):
            return retrieved
        groups = [()]
    usages = occasion_usages(text)
    seen: set[int] = set()
    for categories in groups:
        filters = ProductFilters(category=categories)
        # With a photo and no describing words, the photo alone drives the ranking.
        query = text or ("" if photo is not None else " ".join(categories))
        chosen: list[Product] = []
        # An occasion ("a summer wedding") first draws on products made for it, then
        # on the rest of the article type.
        for narrowed in ([replace(filters, usage=usages)] if usages else []) + [filters]:
            taken = seen | {p.pk for p in chosen}
            hits = _search(
                query=query,
                photo=photo,
                filters=narrowed,
                k=k + len(taken),
                notices=retrieved.notices,
            )
            chosen += [p for p in hits if p.pk not in taken][: k - len(chosen)]
            if len(chosen) < k and categories:
                taken = seen | {p.pk for p in chosen}
                chosen += list(
                    product_list(filters=narrowed)
                    .exclude(pk__in=taken)
                    .order_by("name", "id")[: k - len(chosen)]
                )
            if len(chosen) >= k:
                break
        seen.update(p.pk for p in chosen)
        retrieved.products.extend(chosen)
    return retrieved


def occasion_usages(text: str) -> tuple[str, ...]:
    """The catalog's `usage` values that suit an occasion the shopper names."""
    words = set(re.findall(r"[a-z]+", text.lower()))
    wanted = {usage for word, usages in OCCASION_WORDS.items() if word in words for usage in usages}
    if not wanted:
        return ()
    values = Product.objects.browsable().exclude(usage="").values_list("usage", flat=True)
    return tuple(sorted({value for value in values.distinct() if value.lower() in wanted}))


def _search(
    *,
    query: str,
    photo: Image | None,
    filters: ProductFilters,
    k: int,
    notices: list[str],
) -> list[Product]:
    if not query and photo is None:
        return []
    try:
        result = product_search(text=query, image=photo, filters=filters, k=k)
    except CatalogError as error:
        if photo is None or not query:
            if error.message not in notices:
                notices.append(error.message)
            return []
        # Photo search can be down (no model); the words still find things.
        if error.message not in notices:
            notices.append(error.message)
        return _search(query=query, photo=None, filters=filters, k=k, notices=notices)
    if result.notice and result.notice not in notices:
        notices.append(result.notice)
    return [hit.product for hit in result.hits]


def price_display(price: Decimal | None, stock: int | None) -> str:
    if price is None:
        return "Price unavailable"
    text = f"₹{intcomma(floatformat(price, '-2'))}"
    return f"{text} · out of stock" if stock == 0 else text


def product_card(product: Product, *, note: str = "") -> dict[str, Any]:
    """What the panel, the session and the API keep of a product: plain JSON-able data."""
    return {
        "id": product.pk,
        "name": product.name,
        "url": product.get_absolute_url(),
        "image_url": product.thumbnail.url if product.thumbnail else None,
        "article_type": product.category.name,
        "colour": product.base_colour,
        "price": None if product.price is None else str(product.price),
        "price_display": price_display(product.price, product.stock),
        "note": note,
    }


def conversation_get(*, session: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The turns so far, oldest first (shopper and assistant alternate)."""
    data = session.get(SESSION_KEY) or {}
    turns = data.get("turns") if isinstance(data, dict) else None
    return list(turns) if isinstance(turns, list) else []


def conversation_id_get(*, session: Mapping[str, Any]) -> str:
    data = session.get(SESSION_KEY) or {}
    return str(data.get("id", "")) if isinstance(data, dict) else ""


def previous_classification(
    *, turns: list[dict[str, Any]], vocabulary: CatalogVocabulary
) -> Classification | None:
    """What the last answer was about, for follow-ups ("three more")."""
    from shop.assistant.classifier import Want

    for turn in reversed(turns):
        if turn.get("role") == "assistant" and turn.get("wants"):
            wants = tuple(
                Want(
                    words=str(w.get("words", "")),
                    categories=tuple(
                        c for c in w.get("categories", []) if vocabulary.canonical(c) == c
                    ),
                )
                for w in turn["wants"]
                if isinstance(w, dict)
            )
            wants = tuple(w for w in wants if w.categories)
            if wants:
                return Classification(
                    wants=wants, number_of_items=int(turn.get("number_of_items", 1))
                )
    return None
