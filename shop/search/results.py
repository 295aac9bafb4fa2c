"""The storefront's one results page: browsing, words, a photo, or a photo and words.

A product is shown only when something vouches for it: the keyword channel
(PostgreSQL full-text search over the words the filters did not take) or the vector
channel above the model's calibrated floor (``relevance``). Words that name a
filter become filters (``query``); facets are counted over the matched set, each
with every other facet applied (disjunctive), so a shopper can widen a choice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet

from shop.catalog.models import Category, Product
from shop.id_arrays import IdArray
from shop.search import merchandising, selectors
from shop.search.colours import colour_family
from shop.search.dead_ends import DeadEnd, dead_end_for
from shop.search.facets import (
    CategoryNames,
    Chip,
    Facet,
    chips_for,
    facets_count,
    filters_known,
)
from shop.search.filters import ProductFilters, ordering
from shop.search.models import MerchandisingRule, SearchPhoto
from shop.search.photos import search_photo_get
from shop.search.query import Understanding, understand
from shop.search.vocabulary import get_vocabulary, normalise

PAGE_SIZE = 24
# How deep the vector channel looks; only scores above the floor are kept.
VECTOR_DEPTH = 400
POPULAR_CATEGORIES = 8


@dataclass
class ResultsPage:
    filters: ProductFilters  # as requested
    effective: ProductFilters  # with what the words asked for
    understanding: Understanding
    page: Page
    facets: list[Facet]
    chips: list[Chip]
    title: str
    is_search: bool = False
    photo: SearchPhoto | None = None
    photo_missing: bool = False
    notice: str = ""
    reasons: dict[int, list[str]] = field(default_factory=dict)
    popular_categories: list[Category] = field(default_factory=list)
    dead_end: DeadEnd | None = None  # when nothing is found: why, and where to go

    @property
    def total(self) -> int:
        return self.page.paginator.count

    @property
    def previous_url(self) -> str:
        if not self.page.has_previous():
            return ""
        return self.filters.url(page=self.page.previous_page_number())

    @property
    def next_url(self) -> str:
        return self.filters.url(page=self.page.next_page_number()) if self.page.has_next() else ""

    @property
    def in_stock_url(self) -> str:
        """This page with the "in stock only" toggle flipped."""
        return self.filters.url(in_stock=not self.filters.in_stock)

    @property
    def remove_photo_url(self) -> str:
        return self.filters.url(photo="")

    @property
    def suggestion(self) -> str | None:
        return self.understanding.suggestion

    @property
    def suggestion_url(self) -> str:
        suggestion = self.understanding.suggestion
        return self.filters.url(q=suggestion) if suggestion else ""


@dataclass
class _Match:
    """What the channels vouch for: ordered ids and why each is there."""

    condition: Q | None  # None: browsing, every product qualifies
    order: list[int] = field(default_factory=list)
    keyword_ids: set[int] = field(default_factory=set)
    vector_ids: set[int] = field(default_factory=set)
    notice: str = ""


def _effective(filters: ProductFilters, understanding: Understanding) -> ProductFilters:
    facets = dict(understanding.facets)
    if facets.get("colour"):
        # A colour in the words means its family ("blue": Navy Blue too); the exact
        # colour ranks first (``_exact_colours_first``). A ticked colour is only itself.
        facets["colour"] = tuple(
            dict.fromkeys(shade for colour in facets["colour"] for shade in colour_family(colour))
        )
    effective = filters.merged(**facets)
    if filters.price_min is None and understanding.price_min is not None:
        effective = replace(effective, price_min=understanding.price_min)
    if filters.price_max is None and understanding.price_max is not None:
        effective = replace(effective, price_max=understanding.price_max)
    return effective


def _exact_colours_first(plan: merchandising.Plan, understanding: Understanding) -> None:
    """The colour the words named before its family's shades: a whole list's weight
    for the exact colour (relevance order within each), as a rule's boost would add."""
    named = understanding.facets.get("colour", ())
    if any(len(colour_family(colour)) > 1 for colour in named):
        plan.weights.append((Q(base_colour__in=named), Decimal(1)))


def _match(*, q: str, words: str, photo: SearchPhoto | None, effective: ProductFilters) -> _Match:
    """Run the keyword and vector channels (no facet filters: facets count over this)."""
    if not words and photo is None:
        return _Match(condition=None)
    keyword_ids: list[int] = []
    if words:
        keyword_ids = selectors.keyword_ranking(words)
    vector_ranked: list[tuple[int, float]] = []
    notice = ""
    encoder = selectors._encoder_or_none()
    if encoder is None:
        notice = selectors.PHOTO_SEARCH_UNAVAILABLE if photo else ""
    else:
        vector_ranked = selectors.product_vector_matches(
            encoder=encoder,
            text_embedding=selectors._text_embedding(encoder, q) if words else None,
            image_embedding=photo.embedding if photo is not None else None,
            filters=effective,
            limit=VECTOR_DEPTH,
            text_weight=settings.SHOP_SEARCH_TEXT_WEIGHT,
        )
    fused = selectors._reciprocal_rank_fusion([pk for pk, _ in vector_ranked], keyword_ids)
    order = sorted(fused, key=lambda pk: (-fused[pk], pk))
    return _Match(
        condition=Q(id__any=IdArray(order)),
        order=order,
        keyword_ids=set(keyword_ids),
        vector_ids={pk for pk, _ in vector_ranked},
        notice=notice,
    )


def _title(
    filters: ProductFilters, effective: ProductFilters, total: int, categories: CategoryNames
) -> str:
    if filters.q:
        what = f"“{filters.q}”"
        if filters.photo:
            what = f"Your photo and {what}"
    elif filters.photo:
        what = "Like your photo"
    elif effective.category:
        what = ", ".join(categories.names(effective.category)) or "No such article type"
    else:
        what = "All products"
    narrowing = [v for name in ("gender", "colour", "brand") for v in getattr(effective, name)]
    if narrowing and not filters.q:
        what = f"{what} · {', '.join(narrowing)}"
    page = f" · page {filters.page}" if filters.page > 1 else ""
    return f"{what} ({total}){page}"


def _reasons(
    products: list[Product], *, match: _Match, understanding: Understanding, filters
) -> dict[int, list[str]]:
    words = understanding.remaining.split()
    reasons: dict[int, list[str]] = {}
    for product in products:
        why = []
        if product.pk in match.keyword_ids:
            text = normalise(
                " ".join(
                    [
                        product.name,
                        product.category.name,
                        product.base_colour,
                        product.usage,
                        product.brand.name if product.brand_id else "",
                    ]
                )
            ).split()
            matched = [w for w in words if any(t.startswith(w[:5]) for t in text)]
            why.append("Matches “" + " ".join(matched or words) + "”")
        if product.pk in match.vector_ids:
            why.append(
                "Looks like your photo" if filters.photo else "Looks like what you described"
            )
        for facet, values in understanding.facets.items():
            if facet == "size":
                sizes = [size for size in product.sizes_in_stock() if size in values]
                if sizes:
                    why.append(f"Size {', '.join(sizes)} in stock")
                continue
            value = {
                "colour": product.base_colour,
                "gender": product.gender,
                "category": product.category.name,
                "brand": product.brand.name if product.brand_id else "",
                "usage": product.usage,
                "season": product.season,
            }[facet]
            if value in values:
                why.append(f"{value}, as you asked")
        reasons[product.pk] = why
        # Read by the product card ("why this result").
        product.search_reasons = why
    return reasons


HOME_SHELF_SIZE = 8


@dataclass
class Shelf:
    title: str
    products: list[Product]


def home_shelf() -> Shelf | None:
    """What the merchant puts first on the home page (StorefrontSettings)."""
    from shop.catalog.models import StorefrontSettings

    settings_row = StorefrontSettings.objects.filter(pk=1).first()
    products = Product.objects.browsable().for_cards()
    if settings_row is not None and settings_row.home == StorefrontSettings.COLLECTION:
        chosen = list(settings_row.collection.filter(is_active=True).order_by("name")[:24])
        if chosen:
            return Shelf(title=settings_row.collection_title or "Our picks", products=chosen)
    newest = list(products.order_by(*ordering("newest"))[:HOME_SHELF_SIZE])
    return Shelf(title="New arrivals", products=newest) if newest else None


def _merchandised(
    results: QuerySet[Product], *, match: _Match, plan: merchandising.Plan, sort: str
) -> Sequence[int]:
    """The ids shown, in order: the channels' ranking under "Best match" when words or a
    photo matched, else ``sort``; rules and stock move it (``merchandising``)."""
    ranked = match.order if sort == "relevance" and match.condition is not None else None
    return merchandising.apply(results, plan=plan, ranked=ranked, sort=sort)


def results_page(
    *,
    filters: ProductFilters,
    page_size: int = PAGE_SIZE,
    rules: list[MerchandisingRule] | None = None,
    dead_ends: bool = True,
) -> ResultsPage:
    """Everything the results page shows for one URL state.

    ``rules``: the merchandising rules that may fire (default: the active ones; the
    admin's preview passes others). ``dead_ends``: when nothing is found, say why and
    count the pages one filter wider (``dead_ends``).
    """
    categories = CategoryNames.read(filters.category)  # for the known values, chips, title
    filters = filters_known(filters, categories=categories)  # before a link repeats made-up ones
    vocabulary = get_vocabulary() if filters.q else None  # read once: words and rules
    understanding = understand(filters.q, vocabulary) if filters.q else Understanding()
    effective = _effective(filters, understanding)
    photo = search_photo_get(token=filters.photo) if filters.photo else None
    photo_missing = bool(filters.photo) and photo is None
    is_search = bool(filters.q) or photo is not None
    plan = merchandising.plan_for(
        words=filters.q, categories=effective.category, rules=rules, vocabulary=vocabulary
    )
    _exact_colours_first(plan, understanding)
    match = _match(q=filters.q, words=understanding.remaining, photo=photo, effective=effective)
    base = plan.visible(Product.objects.browsable())
    if match.condition is not None:
        base = base.filter(plan.matched_or_pinned(match.condition))
    results = effective.apply(base)
    notice = match.notice
    # Rules and stock reorder what the channels and filters let through (merchandising).
    ordered_ids = _merchandised(results, match=match, plan=plan, sort=filters.sort)
    if (
        match.condition is not None
        and photo is None
        and not understanding.is_empty()
        and not len(ordered_ids)  # counted as it was ordered: no query of its own
    ):
        # The filters the words named have products; the left-over words match none.
        notice = (
            f"Nothing matched “{understanding.remaining}”; showing everything else you asked for."
        )
        match = _Match(condition=None)
        base = plan.visible(Product.objects.browsable())
        results = effective.apply(base)
        ordered_ids = _merchandised(results, match=match, plan=plan, sort=filters.sort)
    paginator = Paginator(ordered_ids, page_size)
    page = paginator.get_page(filters.page)
    # Cards show the brand, the price and the sizes for sale.
    products = results.for_cards().in_bulk(list(page.object_list))
    page.object_list = [products[pk] for pk in page.object_list if pk in products]
    popular = []
    if is_search and paginator.count == 0:
        popular = list(
            Category.objects.filter(products__is_active=True)
            .annotate(n=Count("products"))
            .order_by("-n", "name")[:POPULAR_CATEGORIES]
        )
    chips = chips_for(filters, understanding, categories=categories)
    dead_end = None
    if dead_ends and paginator.count == 0 and (is_search or not effective.is_empty()):
        dead_end = dead_end_for(
            filters=filters,
            effective=effective,
            words=filters.q if understanding.remaining else "",
            photo=photo,
            matched=bool(match.order),
            chips=chips,
            remove_photo_url=filters.url(photo=""),
            count=lambda wider: (
                results_page(filters=wider, page_size=1, rules=rules, dead_ends=False).total
            ),
            visible=plan.visible,
        )
    return ResultsPage(
        filters=filters,
        effective=effective,
        understanding=understanding,
        page=page,
        facets=facets_count(base=base, effective=effective, shown=filters),
        chips=chips,
        title=_title(filters, effective, paginator.count, categories),
        is_search=is_search,
        photo=photo,
        photo_missing=photo_missing,
        notice=notice,
        reasons=(
            _reasons(
                list(page.object_list), match=match, understanding=understanding, filters=filters
            )
            if is_search
            else {}
        ),
        popular_categories=popular,
        dead_end=dead_end,
    )
