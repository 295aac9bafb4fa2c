"""Reads for the assistant: products for a request, looks that complete a photo, the panel."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q

from shop.assistant.backends import backend_choice
from shop.assistant.conversation import conversation_turns
from shop.assistant.language import read_words
from shop.assistant.retrieval import Retrieved, assistant_products, search_hits
from shop.assistant.types import Classification, Want
from shop.catalog.models import Category
from shop.search.selectors import ProductFilters

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


def look_products(*, photo: Image, text: str) -> tuple[Classification, Retrieved]:
    """One product from each of up to three article types that go with the photo,
    and the classification that names them.

    The photo's own article type is the top hit of a photo-only search; the types
    that complete it come from other sub-categories of the catalog
    (``complementary_types``), so the shopper never gets the item itself or
    look-alikes back. Each type is searched with the photo (and words, if any).
    """
    notices: list[str] = []
    top = search_hits(query="", photo=photo, filters=ProductFilters(), k=1, notices=notices)
    if not top:
        return Classification(wants=(), number_of_items=1), Retrieved([], notices)
    anchor = top[0]
    gender = look_genders(anchor.gender)
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


def look_genders(gender: str) -> tuple[str, ...]:
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
    own = read_words(category.sub_category)
    slots = LOOK_SLOTS.get(own) or LOOK_SLOTS_BY_MASTER.get(
        read_words(category.master_category), LOOK_SLOTS_DEFAULT
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
        best.setdefault(read_words(sub_category), name)
    chosen: list[str] = []
    used = {own}
    for slot in slots:
        sub = next((sub for sub in slot if sub in best and sub not in used), None)
        if sub is not None:
            used.add(sub)
            chosen.append(best[sub])
    return chosen[:MAX_LOOK_TYPES]


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
