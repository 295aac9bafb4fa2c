"""Reads for the assistant: products for a request, looks that complete a photo, the panel."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q

from shop.assistant.backends import backend_choice
from shop.assistant.conversation import conversation_turns
from shop.assistant.language import normalise
from shop.assistant.types import Classification, Want
from shop.catalog.exceptions import CatalogError
from shop.catalog.models import Category, Product
from shop.catalog.selectors import ProductFilters, product_list, product_search

if TYPE_CHECKING:
    from PIL.Image import Image

MAX_MESSAGE_CHARS = 1000

# "Complete this look": what goes with the photo's sub-category, as slots to fill. Each
# slot takes the first of its sub-categories (the catalog's own names, lower-cased)
# that the catalog has for the shopper, and from it the article type with the most
# products; the article types themselves always come from the database.
TOP = ("topwear",)
BOTTOM = ("bottomwear",)
FOOTWEAR = ("shoes", "sandal", "flip flops")
ACCESSORY = ("watches", "bags", "belts", "eyewear", "jewellery")
LOOK_SLOTS: dict[str, tuple[tuple[str, ...], ...]] = {
    "topwear": (BOTTOM, FOOTWEAR, ACCESSORY),
    "bottomwear": (TOP, FOOTWEAR, ACCESSORY),
    "dress": (("shoes", "sandal"), ("bags",), ("jewellery", "watches")),
    "saree": (("jewellery",), ("sandal", "shoes"), ("bags",)),
    "shoes": (TOP, BOTTOM, ACCESSORY),
    "sandal": (TOP, BOTTOM, ACCESSORY),
    "flip flops": (TOP, BOTTOM, ACCESSORY),
}
# Sub-categories not named above are completed by their master category.
LOOK_SLOTS_BY_MASTER: dict[str, tuple[tuple[str, ...], ...]] = {
    "apparel": (FOOTWEAR, ACCESSORY),
    "footwear": (TOP, BOTTOM, ACCESSORY),
}
LOOK_SLOTS_DEFAULT = (TOP, BOTTOM, FOOTWEAR)
MAX_LOOK_TYPES = 3
# Searched this many times over when some hits will be left out (ruled-out types, budget).
OVERFETCH = 4


@dataclass
class Retrieved:
    products: list[Product]
    notices: list[str] = field(default_factory=list)
    # The photo's own item, when a look was completed around it.
    anchor: Product | None = None


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
    to its article types (and ``gender``, if given); when search finds fewer than
    asked for (no words that match, no embeddings yet), the want is topped up from
    the same article types so the shopper sees what the shop has. An occasion's
    ``usages`` are searched first; ``colour`` narrows first and is let go if nothing in
    that colour is found; products in ``exclude_ids`` (shown already) are skipped. Article types the
    shopper ruled out and products over their budget are left out (search fetches
    more to make up for them); a product with no price is kept, and the advice says
    its price could not be checked.
    """
    retrieved = Retrieved(products=[])
    excluded = set(classification.excluded)
    budget = classification.max_price
    # A man or a woman is not shown children's items that are labelled Unisex.
    adults = any(g in ("Men", "Women") for g in gender)
    narrowing = bool(excluded) or budget is not None or bool(exclude_ids) or adults
    groups = [(want.categories, classification.count_for(want)) for want in classification.wants]
    if not groups:
        if (
            classification.not_carried
            or classification.question
            or not classification.understood
            or (not text and photo is None and not excluded)
        ):
            return retrieved
        groups = [((), classification.number_of_items)]
    seen: set[int] = set(exclude_ids)

    def fits(product: Product) -> bool:
        if product.category.name in excluded:
            return False
        if adults and product.age_group.startswith("Kids"):
            return False
        return budget is None or product.price is None or product.price <= budget

    for categories, k in groups:
        filters = ProductFilters(category=categories, gender=gender)
        # With a photo and no describing words, the photo alone drives the ranking.
        query = text or ("" if photo is not None else " ".join(categories))
        chosen: list[Product] = []
        # An occasion ("a summer wedding") first draws on products made for it, then
        # on the rest of the article type.
        tries = [replace(filters, usage=usages)] if usages else []
        if colour:
            tries = [replace(t, colour=colour) for t in [*tries, filters]] + tries
        for narrowed in [*tries, filters]:
            taken = seen | {p.pk for p in chosen}
            wanted = k + len(taken)
            hits = _search(
                query=query,
                photo=photo,
                filters=narrowed,
                k=wanted * OVERFETCH if narrowing else wanted,
                notices=retrieved.notices,
            )
            chosen += [p for p in hits if p.pk not in taken and fits(p)][: k - len(chosen)]
            if len(chosen) < k and (categories or narrowing):
                taken = seen | {p.pk for p in chosen}
                rest = product_list(filters=narrowed).exclude(pk__in=taken)
                if excluded:
                    rest = rest.exclude(category__name__in=excluded)
                if budget is not None:
                    rest = rest.exclude(price__gt=budget)
                if adults:
                    rest = rest.exclude(age_group__startswith="Kids")
                chosen += list(rest.order_by("name", "id")[: k - len(chosen)])
            if len(chosen) >= k:
                break
        seen.update(p.pk for p in chosen)
        retrieved.products.extend(chosen)
    return retrieved


def look_products(*, photo: Image, text: str) -> tuple[Classification, Retrieved]:
    """One product from each of up to three article types that go with the photo,
    and the classification that names them.

    The photo's own article type is the top hit of a photo-only search; the types
    that complete it come from other sub-categories of the catalog
    (``complementary_types``), so the shopper never gets the item itself or
    look-alikes back. Each type is searched with the photo (and words, if any).
    """
    notices: list[str] = []
    top = _search(query="", photo=photo, filters=ProductFilters(), k=1, notices=notices)
    if not top:
        return Classification(wants=(), number_of_items=1), Retrieved([], notices)
    anchor = top[0]
    gender = _look_genders(anchor.gender)
    types = complementary_types(category=anchor.category, gender=gender)
    if not types and gender:
        gender = ()
        types = complementary_types(category=anchor.category, gender=gender)
    classification = Classification(
        wants=tuple(Want(words=name.lower(), categories=(name,)) for name in types),
        number_of_items=1,
    )
    retrieved = assistant_products(
        classification=classification, text=text, photo=photo, gender=gender
    )
    retrieved.notices[:0] = [n for n in notices if n not in retrieved.notices]
    retrieved.anchor = anchor
    return classification, retrieved


def _look_genders(gender: str) -> tuple[str, ...]:
    # A unisex (or unlabelled) item goes with anything.
    if not gender or gender.lower() == "unisex":
        return ()
    return (gender, "Unisex")


def owned_complements(*, owned: str, gender: tuple[str, ...] = ()) -> list[str]:
    """Article types that go with something the shopper has ("my white kurta")."""
    category = Category.objects.filter(name=owned).first()
    if category is None:
        return []
    return complementary_types(category=category, gender=gender) or complementary_types(
        category=category
    )


def complementary_types(*, category: Category, gender: tuple[str, ...] = ()) -> list[str]:
    """Article types, from other sub-categories, that complete a look around ``category``."""
    own = normalise(category.sub_category)
    slots = LOOK_SLOTS.get(own) or LOOK_SLOTS_BY_MASTER.get(
        normalise(category.master_category), LOOK_SLOTS_DEFAULT
    )
    products = Q(products__is_active=True)
    if gender:
        products &= Q(products__gender__in=gender)
    rows = (
        Category.objects.annotate(n=Count("products", filter=products))
        .filter(n__gt=0)
        .order_by("-n", "name")
        .values_list("name", "sub_category")
    )
    best: dict[str, str] = {}
    for name, sub_category in rows:
        best.setdefault(normalise(sub_category), name)
    chosen: list[str] = []
    used = {own}
    for slot in slots:
        sub = next((sub for sub in slot if sub in best and sub not in used), None)
        if sub is not None:
            used.add(sub)
            chosen.append(best[sub])
    return chosen[:MAX_LOOK_TYPES]


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
        if error.message not in notices:
            notices.append(error.message)
        if photo is None or not query:
            return []
        # Photo search can be down (no model); the words still find things.
        return _search(query=query, photo=None, filters=filters, k=k, notices=notices)
    if result.notice and result.notice not in notices:
        notices.append(result.notice)
    return [hit.product for hit in result.hits]


def panel_get(
    *, session: Mapping[str, Any], next_url: str, error: str = "", draft: str = ""
) -> dict[str, Any]:
    """What the panel shows: the session's conversation (read only), and any error."""
    backend, _notice = backend_choice()
    return {
        "turns": conversation_turns(session=session),
        "error": error,
        "draft": draft,
        "next_url": next_url,
        "configured_backend": backend,
        "max_message_chars": MAX_MESSAGE_CHARS,
    }
