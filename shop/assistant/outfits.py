"""Outfits are outfits: an occasion's slots filled from what the catalog has in stock for
the shopper, clothing first (a top and a bottom, or a one-piece), then footwear, then
accessories; and, while the shopper has not said whom it is for, the best of each."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from shop.assistant import words as w
from shop.assistant.lexicon import CatalogVocabulary
from shop.assistant.types import MAX_WANTS, OccasionInfo, Want

# Sub-categories (normalised) that dress a person on their own, or half of them.
ONE_PIECE = frozenset({"dress", "saree", "apparel set"})
TOP = frozenset({"topwear"})
BOTTOM = frozenset({"bottomwear"})
# When an outfit's own slots leave a half of the clothing empty (nothing in stock),
# it is filled from these, per gender, in order of preference.
CLOTHING_FALLBACK: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "Men": (("Shirts", "Tshirts", "Kurtas"), ("Trousers", "Jeans", "Shorts")),
    "Women": (("Tops", "Kurtas", "Tshirts", "Shirts"), ("Jeans", "Trousers", "Leggings")),
    "": (("Tshirts", "Shirts", "Tops"), ("Jeans", "Trousers", "Shorts")),
}
BOTH = ("Men", "Women")


def _rank(name: str, vocabulary: CatalogVocabulary) -> int:
    group = vocabulary.group_of(name)
    if group in ONE_PIECE or group in TOP:
        return 0
    if group in BOTTOM:
        return 1
    master = vocabulary.master_of(name)
    if master == "apparel":
        return 2
    return 3 if master == "footwear" else 4


def _first(
    names: Sequence[str],
    *,
    gender: str,
    vocabulary: CatalogVocabulary,
    ruled_out: Collection[str],
) -> str | None:
    return next(
        (n for n in names if n not in ruled_out and vocabulary.has_for(n, gender)),
        None,
    )


def outfit_types(
    occasion: OccasionInfo,
    *,
    gender: str,
    vocabulary: CatalogVocabulary,
    excluded: Collection[str] = (),
) -> list[str] | None:
    """The article types of ``occasion``'s outfit for ``gender`` (a catalog gender or
    ""), in the order worn: clothing, footwear, accessories. None when the occasion's
    outfit depends on a gender that is not known.

    Each slot takes its first article type in stock for the gender and not ruled out;
    a one-piece makes a separate top and bottom unnecessary; a half of the clothing
    left empty is filled from CLOTHING_FALLBACK.
    """
    outfit_gender = w.OUTFIT_GENDER.get(gender, "")
    slots = occasion.outfit_for(outfit_gender)
    if slots is None:
        return None
    chosen: list[str] = []
    for slot in slots:
        name = _first(slot, gender=gender, vocabulary=vocabulary, ruled_out={*excluded, *chosen})
        if name is not None:
            chosen.append(name)
    groups = {vocabulary.group_of(n) for n in chosen}
    if groups & ONE_PIECE:
        chosen = [n for n in chosen if vocabulary.group_of(n) not in TOP | BOTTOM]
    else:
        tops, bottoms = CLOTHING_FALLBACK.get(outfit_gender, CLOTHING_FALLBACK[""])
        for half, names in ((TOP, tops), (BOTTOM, bottoms)):
            if not groups & half:
                name = _first(
                    names, gender=gender, vocabulary=vocabulary, ruled_out={*excluded, *chosen}
                )
                if name is not None:
                    chosen.append(name)
    return sorted(chosen, key=lambda n: _rank(n, vocabulary))[:MAX_WANTS]


def is_clothing(name: str, vocabulary: CatalogVocabulary) -> bool:
    return _rank(name, vocabulary) <= 1


def outfit_wants(
    occasion: OccasionInfo,
    *,
    gender: str,
    vocabulary: CatalogVocabulary,
    excluded: Collection[str] = (),
    both: bool = False,
) -> list[Want] | None:
    """The wants of an occasion's outfit (see ``outfit_types``).

    With ``both`` and no gender, the best of each gender's outfit: its clothing, then
    its footwear while there is room, each want marked with its gender.
    """
    if both and not gender and occasion.outfit_for("") is None:
        per_gender = {
            g: outfit_types(occasion, gender=g, vocabulary=vocabulary, excluded=excluded) or []
            for g in BOTH
        }
        wants = [
            Want(n.lower(), (n,), gender=g)
            for g in BOTH
            for n in per_gender[g]
            if is_clothing(n, vocabulary)
        ]
        for g in BOTH:
            footwear = [n for n in per_gender[g] if vocabulary.master_of(n) == "footwear"][:1]
            wants += [Want(n.lower(), (n,), gender=g) for n in footwear]
        return wants[:MAX_WANTS]
    types = outfit_types(occasion, gender=gender, vocabulary=vocabulary, excluded=excluded)
    if types is None:
        return None
    return [Want(n.lower(), (n,)) for n in types]


def narrowed_by_occasion(
    want: Want, occasion: OccasionInfo, *, gender: str, vocabulary: CatalogVocabulary
) -> tuple[str, ...]:
    """A broad catalog word's types that the occasion's outfits agree on ("shoes for a
    5k run" are sports shoes); the want's own types when they do not agree, say
    nothing, or the shopper's word was already specific ("sliders for the pool")."""
    if len(want.categories) < 2 or set(vocabulary.resolve(want.words)) != set(want.categories):
        return want.categories
    outfit_gender = w.OUTFIT_GENDER.get(gender, "")
    outfits = [
        slots for g, slots in occasion.outfits if not outfit_gender or g in ("", outfit_gender)
    ]
    picks = [{n for slot in slots for n in slot} & set(want.categories) for slots in outfits]
    if not picks or any(not p or p != picks[0] for p in picks):
        return want.categories
    return tuple(c for c in want.categories if c in picks[0])
