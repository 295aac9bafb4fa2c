"""Products for what the shopper asked, under every constraint they gave, and honest
about any constraint that had to be let go.

Per want: its article types, the gender (the want's own while the shopper has not
said), the colour (exact first, then its family), the size in stock, the budget and
"cheaper than shown", the ruled-out types, in stock. When nothing satisfies all of
them, constraints are let go one at a time in RELAX_ORDER (then in pairs) until
something does, and what was let go is recorded for the advice to say.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from itertools import combinations
from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, Q, QuerySet

from shop.assistant import words as w
from shop.assistant.types import Classification, Want
from shop.catalog.exceptions import CatalogError
from shop.catalog.models import Product, ProductVariant
from shop.catalog.stock import in_stock_q
from shop.search.selectors import ProductFilters, product_list, product_search

if TYPE_CHECKING:
    from PIL.Image import Image

# Searched this many times over when some hits will be left out (ruled-out types, budget).
OVERFETCH = 4
# Let go first: a colour is a wish, a size and a price are what the shopper can wear
# and pay. Gender and ruled-out types are never let go.
RELAX_ORDER = ("colour", "size", "budget")


@dataclass(frozen=True)
class Relaxed:
    """A want shown without some of its constraints, because nothing met them all."""

    want: Want
    dropped: tuple[str, ...]


@dataclass
class Retrieved:
    products: list[Product]
    notices: list[str] = field(default_factory=list)
    # The photo's own item, when a look was completed around it.
    anchor: Product | None = None
    relaxed: list[Relaxed] = field(default_factory=list)
    # want key -> the products shown for it
    by_want: dict[str, list[Product]] = field(default_factory=dict)


@dataclass(frozen=True)
class _Constraints:
    categories: tuple[str, ...]
    gender: tuple[str, ...]
    colours: tuple[str, ...]
    size: str
    budget: Decimal | None
    under: Decimal | None  # strictly priced below: "cheaper than shown"
    excluded: frozenset[str]
    adults: bool
    # Outfits are filled from what can be bought now; a product asked for by name is
    # shown sold out too, and its card says so.
    in_stock: bool = False

    def without(self, dropped: Sequence[str]) -> _Constraints:
        changes: dict[str, object] = {}
        if "colour" in dropped:
            changes["colours"] = ()
        if "size" in dropped:
            changes["size"] = ""
        if "budget" in dropped:
            changes["budget"] = None
            changes["under"] = None
        return replace(self, **changes)

    def active(self) -> list[str]:
        given = {"colour": self.colours, "size": self.size, "budget": self.budget or self.under}
        return [name for name in RELAX_ORDER if given[name]]

    def narrowing(self, taken: set[int]) -> bool:
        """True when some search hits may be left out (so search fetches more)."""
        return (
            bool(self.excluded or self.budget or self.under or self.size or self.adults)
            or bool(taken)
            or self.in_stock
        )

    def fits(self, product: Product) -> bool:
        if product.category.name in self.excluded:
            return False
        if self.adults and product.age_group.startswith("Kids"):
            return False
        if self.budget is not None and product.price is not None and product.price > self.budget:
            return False
        if self.under is not None and (product.price is None or product.price > self.under):
            return False
        if self.size and not any(
            v.in_stock and _same_size(v.size, self.size) for v in product.variants.all()
        ):
            return False
        return not (self.in_stock and product.is_sold_out)

    def queryset(self, filters: ProductFilters) -> QuerySet[Product]:
        """Browsable products meeting every constraint (the database's side of ``fits``)."""
        sizes = ProductVariant.objects.filter(in_stock_q(), product=OuterRef("pk"))
        if self.size:
            sizes = sizes.filter(Q(size__iexact=self.size) | Q(size__iexact=f"UK{self.size}"))
        rows = product_list(filters=filters)
        if self.size or self.in_stock:
            rows = rows.filter(Exists(sizes))
        if self.excluded:
            rows = rows.exclude(category__name__in=self.excluded)
        if self.budget is not None:
            rows = rows.exclude(price__gt=self.budget)
        if self.under is not None:
            rows = rows.filter(price__lte=self.under)
        if self.adults:
            rows = rows.exclude(age_group__startswith="Kids")
        return rows


def _same_size(size: str, wanted: str) -> bool:
    size = size.upper().replace(" ", "")
    return size in {wanted.upper(), f"UK{wanted.upper()}"}


def assistant_products(
    *,
    classification: Classification,
    text: str,
    photo: Image | None,
    gender: tuple[str, ...] = (),
    colour: tuple[str, ...] = (),
    usages: tuple[str, ...] = (),
    exclude_ids: frozenset[int] = frozenset(),
) -> Retrieved:
    """Products for each thing the shopper wants, each want's count of them.

    Each want is searched with the shopper's descriptive words and/or photo, filtered
    to its article types, ``gender`` (or the want's own), ``colour`` (the shopper's
    colour first, then the rest of its family), the size, the price cap and what is in
    stock; when search finds fewer than asked for, the want is topped up from the
    same article types (cheapest first after "cheaper"). An occasion's ``usages`` are
    searched first. Products in ``exclude_ids`` (shown already) are skipped. When
    nothing meets every constraint, they are let go in RELAX_ORDER and ``relaxed``
    says which. A product with no price is kept under a budget (the advice says its
    price could not be checked), never as "cheaper".
    """
    retrieved = Retrieved(products=[])
    groups = [(want, classification.count_for(want)) for want in classification.wants]
    if not groups:
        if (
            classification.not_carried
            or classification.question
            or not classification.understood
            or (not text and photo is None and not classification.excluded)
        ):
            return retrieved
        groups = [(Want(words="", categories=()), classification.number_of_items)]
    seen: set[int] = set(exclude_ids)
    for want, k in groups:
        want_gender = w.GENDER_FILTERS.get(want.gender, ()) if want.gender else gender
        cheaper = dict(classification.cheaper_than).get(want.key)
        constraints = _Constraints(
            categories=want.categories,
            gender=want_gender,
            colours=colour,
            size=classification.size,
            budget=classification.max_price,
            under=None if cheaper is None else cheaper - Decimal("0.01"),
            excluded=frozenset(classification.excluded),
            # A man or a woman is not shown children's items that are labelled Unisex.
            adults=any(g in ("Men", "Women") for g in want_gender),
            in_stock=classification.outfit,
        )
        chosen, dropped = _first_satisfiable(
            constraints,
            k=k,
            text=text,
            photo=photo,
            usages=usages,
            seen=seen,
            cheapest=classification.cheaper,
            notices=retrieved.notices,
        )
        if dropped and chosen:
            retrieved.relaxed.append(Relaxed(want=want, dropped=dropped))
        seen.update(p.pk for p in chosen)
        retrieved.products.extend(chosen)
        retrieved.by_want[want.key] = chosen
    return retrieved


def _first_satisfiable(
    constraints: _Constraints, *, seen: set[int], **fill: object
) -> tuple[list[Product], tuple[str, ...]]:
    """The products of the first constraint set (all, then fewer) that has any."""
    if not constraints.categories:
        # Words alone (no article type): the search's own hits, nothing let go.
        return _fill(constraints, seen=seen, **fill), ()  # type: ignore[arg-type]
    active = constraints.active()
    ladder = [()] + [combo for n in (1, 2, 3) for combo in combinations(active, n)]
    for dropped in ladder:
        narrowed = constraints.without(dropped)
        probe = narrowed.queryset(_filters(narrowed, colours=narrowed.colours))
        if not probe.exclude(pk__in=seen).exists():
            continue
        chosen = _fill(narrowed, seen=seen, **fill)  # type: ignore[arg-type]
        if chosen:
            return chosen, tuple(dropped)
    return [], ()


def _filters(
    constraints: _Constraints, *, colours: tuple[str, ...], usages: Sequence[str] = ()
) -> ProductFilters:
    return ProductFilters(
        category=constraints.categories,
        gender=constraints.gender,
        colour=colours,
        usage=tuple(usages),
    )


def _fill(
    constraints: _Constraints,
    *,
    k: int,
    text: str,
    photo: Image | None,
    usages: tuple[str, ...],
    seen: set[int],
    cheapest: bool,
    notices: list[str],
) -> list[Product]:
    # The shopper's own colour first, then its family; an occasion's usages first.
    colour_tries = [constraints.colours[:1], constraints.colours] if constraints.colours else [()]
    tries = []
    for colours in dict.fromkeys(colour_tries):
        if usages:
            tries.append(_filters(constraints, colours=colours, usages=usages))
        tries.append(_filters(constraints, colours=colours))
    # With a photo and no describing words, the photo alone drives the ranking.
    query = text or ("" if photo is not None else " ".join(constraints.categories))
    chosen: list[Product] = []
    for filters in tries:
        taken = seen | {p.pk for p in chosen}
        # After "cheaper" the cheapest of the types come first, not the closest words.
        if not (cheapest and constraints.categories):
            hits = search_hits(
                query=query,
                photo=photo,
                filters=filters,
                k=(k + len(taken)) * (OVERFETCH if constraints.narrowing(taken) else 1),
                notices=notices,
            )
            chosen += [p for p in hits if p.pk not in taken and constraints.fits(p)][
                : k - len(chosen)
            ]
        if len(chosen) < k and (constraints.categories or constraints.excluded):
            taken = seen | {p.pk for p in chosen}
            rest = constraints.queryset(filters).exclude(pk__in=taken)
            order = ("price", "name", "id") if cheapest else ("name", "id")
            chosen += list(rest.order_by(*order)[: k - len(chosen)])
        if len(chosen) >= k:
            break
    return chosen


def search_hits(
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
        if error.message not in notices:
            notices.append(error.message)
        if photo is None or not query:
            return []
        # Photo search can be down (no model); the words still find things.
        return search_hits(query=query, photo=None, filters=filters, k=k, notices=notices)
    if result.notice and result.notice not in notices:
        notices.append(result.notice)
    return [hit.product for hit in result.hits]
