"""Recommendations: what to show beside a product or a cart, each block only when it has
something good (issue 18, part 5).

- **Complete the look**: one product from each article type the assistant's look slots
  pair with this one (``assistant.selectors.complementary_types``), of the same gender
  (or unisex), in a colour that goes with it (the assistant's stylist pairings:
  neutrals go with anything), visually closest first.
- **Frequently bought together**: products in the same orders (cancelled ones left
  out), most orders first. With no such orders yet, "You may also like" (the photos
  that look most alike) stands in: in the API, and on the product page as its own
  "Similar products".
- **Recently viewed**: this browser's product pages, newest first (a signed cookie).
- **Trending**: the popularity signal: units sold over ``SHOP_POPULARITY_DAYS`` (30).

Never the product itself, never a product that cannot be bought now; ties break on id.
Everything is read when asked (a handful of indexed queries), nothing per request is
written (the product page sets the viewed cookie).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db.models import Count, QuerySet
from pgvector.django import MaxInnerProduct

from shop.assistant.advice import NEUTRALS, PAIRINGS
from shop.assistant.selectors import complementary_types, look_genders
from shop.catalog.models import Product
from shop.catalog.stock import in_stock_product_q
from shop.orders.models import OrderLine, OrderStatus
from shop.search import selectors as search_selectors
from shop.search.models import ProductPopularity

BLOCK_SIZE = 4
WIDE_BLOCK_SIZE = 8


@dataclass(frozen=True)
class Block:
    key: str  # complete_the_look, bought_together, similar, recently_viewed, trending
    title: str
    products: list[Product] = field(default_factory=list)


def _shown(queryset: QuerySet[Product]) -> QuerySet[Product]:
    """Products a shopper may see and buy now."""
    return queryset.browsable().filter(in_stock_product_q()).filter(price__isnull=False)


def _in_order(ids: Sequence[int], *, exclude: set[int], k: int) -> list[Product]:
    """These ids' products, in this order, if they may be shown; at most ``k``."""
    wanted = [pk for pk in dict.fromkeys(ids) if pk not in exclude]
    found = _shown(Product.objects.for_display().filter(id__in=wanted)).in_bulk()
    return [found[pk] for pk in wanted if pk in found][:k]


def colours_go_together(first: str, second: str) -> bool:
    """Whether a stylist would put these colours in one look (neutrals go with all)."""
    a, b = first.strip().lower(), second.strip().lower()
    if not a or not b or a == b or a in NEUTRALS or b in NEUTRALS:
        return True
    return b in PAIRINGS.get(a, ()) or a in PAIRINGS.get(b, ())


def complete_the_look(*, product: Product, k: int = BLOCK_SIZE) -> list[Product]:
    genders = look_genders(product.gender)
    chosen: list[Product] = []
    for article_type in complementary_types(category=product.category, gender=genders):
        candidates = _shown(Product.objects.for_display()).filter(category__name=article_type)
        if genders:
            candidates = candidates.filter(gender__in=genders)
        if product.embedding is not None:
            candidates = candidates.filter(embedding_model=product.embedding_model).order_by(
                MaxInnerProduct("embedding", product.embedding), "id"
            )
        else:
            candidates = candidates.order_by("id")
        match = next(
            (
                candidate
                for candidate in candidates[:40]
                if colours_go_together(product.base_colour, candidate.base_colour)
            ),
            None,
        )
        if match is not None:
            chosen.append(match)
        if len(chosen) == k:
            break
    return chosen


def bought_together(*, product_ids: Sequence[int], k: int = BLOCK_SIZE) -> list[Product]:
    """Products bought in the same orders as these, most shared orders first."""
    if not product_ids:
        return []
    lines = OrderLine.objects.exclude(order__status=OrderStatus.CANCELLED)
    orders = lines.filter(variant__product_id__in=product_ids).values("order_id")
    ranked = (
        lines.filter(order_id__in=orders, variant__isnull=False)
        .exclude(variant__product_id__in=product_ids)
        .values("variant__product_id")
        .annotate(orders=Count("order_id", distinct=True))
        .order_by("-orders", "variant__product_id")
        .values_list("variant__product_id", flat=True)[: k * 4]
    )
    return _in_order(list(ranked), exclude=set(product_ids), k=k)


def recently_viewed(
    *, viewed: Sequence[int], exclude: Iterable[int] = (), k: int = WIDE_BLOCK_SIZE
) -> list[Product]:
    """``viewed`` (``catalog.viewed.viewed_ids``: newest first) as products to show."""
    return _in_order(viewed, exclude=set(exclude), k=k)


def trending(
    *, exclude: Iterable[int] = (), gender: str = "", k: int = WIDE_BLOCK_SIZE
) -> list[Product]:
    """The popularity signal's best sellers (``catalog.ProductPopularity``: units sold
    over ``SHOP_POPULARITY_DAYS``, rebuilt hourly from orders), for this gender and
    unisex when given: read, never summed per request."""
    rows = ProductPopularity.objects.filter(units_sold__gt=0)
    genders = look_genders(gender)
    if genders:
        rows = rows.filter(product__gender__in=genders)
    ranked = rows.order_by("-units_sold", "product_id").values_list("product_id", flat=True)
    return _in_order(list(ranked[: k * 4]), exclude=set(exclude), k=k)


def product_recommendations(
    *, product: Product, viewed: Sequence[int], look_alikes: bool = True
) -> list[Block]:
    """The blocks beside a product, empty ones left out.

    Until orders pair this product with others, "You may also like" (the photos that
    look most alike) stands in for "Frequently bought together"; the product page
    shows its own look-alikes, so it asks without them (``look_alikes=False``).
    """
    together = bought_together(product_ids=[product.pk])
    blocks = [
        Block("complete_the_look", "Complete the look", complete_the_look(product=product)),
        Block("bought_together", "Frequently bought together", together),
    ]
    if not together and look_alikes:
        similar = search_selectors.product_similar(product=product, k=WIDE_BLOCK_SIZE * 2)
        alike = _in_order([p.pk for p in similar], exclude={product.pk}, k=WIDE_BLOCK_SIZE)
        blocks.append(Block("similar", "You may also like", alike))
    blocks += [
        Block(
            "recently_viewed",
            "Recently viewed",
            recently_viewed(viewed=viewed, exclude=[product.pk]),
        ),
        Block("trending", "Trending now", trending(exclude=[product.pk], gender=product.gender)),
    ]
    return [block for block in blocks if block.products]


def cart_recommendations(*, product_ids: Sequence[int], viewed: Sequence[int]) -> list[Block]:
    """The blocks under a cart: what goes with its first item, what others bought with
    its items, recently viewed and trending, none of them already in the cart."""
    in_cart = set(product_ids)
    blocks: list[Block] = []
    first = Product.objects.for_display().filter(pk__in=product_ids[:1]).first()
    if first is not None:
        look = [
            p for p in complete_the_look(product=first, k=BLOCK_SIZE * 2) if p.pk not in in_cart
        ]
        blocks.append(Block("complete_the_look", "Complete the look", look[:BLOCK_SIZE]))
    blocks += [
        Block(
            "bought_together",
            "Frequently bought together",
            bought_together(product_ids=list(product_ids)),
        ),
        Block(
            "recently_viewed", "Recently viewed", recently_viewed(viewed=viewed, exclude=in_cart)
        ),
        Block("trending", "Trending now", trending(exclude=in_cart)),
    ]
    return [block for block in blocks if block.products]
