"""The assistant's shared types: what a shopper wants, as the rules and backends return it,
the occasions they read, and the reply a shopper gets."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

MAX_ITEMS = 6
MAX_WANTS = 5
# Shown when the shopper names no article type but something else to search by.
UNFILTERED_ITEMS = 3
QUANTIFIED_ITEMS = 2


def clamp(n: int) -> int:
    return max(1, min(n, MAX_ITEMS))


@dataclass(frozen=True)
class Want:
    """One thing the shopper asked for: their words, the article types they mean and
    how many to show (None: the classification's ``number_of_items``)."""

    words: str
    categories: tuple[str, ...]
    count: int | None = None
    # Whom this want is for when it differs from the request's gender: while the
    # shopper has not said, an outfit shows the best for each ("Men", "Women").
    gender: str = ""

    @property
    def key(self) -> str:
        """Names the want across turns (its article types and gender)."""
        return "|".join([*self.categories, self.gender])


@dataclass(frozen=True)
class Classification:
    """What the shopper wants.

    ``number_of_items`` is the most items shown for any one want (the API's field);
    each want may have its own count ("2 shirts and a tie": 2 shirts, 1 tie).
    ``excluded`` are article types ruled out ("anything but heels"); ``max_price``
    is a budget the shopper named ("under ₹2,000"). ``alternatives`` names what the
    shop has in place of something not carried ("laptops" -> "Laptop Bag");
    ``question`` is asked when an answer depends on something the shopper has not
    said (whom an outfit is for); ``occasion`` is an occasion's slug.
    """

    wants: tuple[Want, ...]
    number_of_items: int
    not_carried: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()
    max_price: Decimal | None = None
    gender: str = ""
    colour: str = ""
    occasion: str = ""
    size: str = ""
    alternatives: tuple[tuple[str, str], ...] = ()
    question: str = ""
    outfit: bool = False
    # Article types the shopper has ("to match my white kurta"), not wants.
    owned: tuple[str, ...] = ()
    # Misspelt words read as vocabulary words: (shopper's word, word meant).
    corrections: tuple[tuple[str, str], ...] = ()
    # "more", "other options": the next products of the same request.
    more: bool = False
    understood: bool = True
    # "Did you mean": the shared shopper vocabulary's nearest phrase, when nothing was understood.
    suggestion: str = ""
    # What was asked already and is not asked again ("gender"), and the taps that answer
    # it: (label, message) pairs sent as the shopper's next message.
    asked: str = ""
    quick_replies: tuple[tuple[str, str], ...] = ()
    # "cheaper": the lowest prices are preferred; with prices shown before, each want
    # stays under what was shown for it (want key -> that price).
    cheaper: bool = False
    cheaper_than: tuple[tuple[str, Decimal], ...] = ()

    def price_cap(self, want: Want) -> Decimal | None:
        """The most a product for ``want`` may cost: the budget, and below what was shown."""
        caps = [p - Decimal("0.01") for key, p in self.cheaper_than if key == want.key]
        if self.max_price is not None:
            caps.append(self.max_price)
        return min(caps) if caps else None

    def count_for(self, want: Want) -> int:
        return self.number_of_items if want.count is None else want.count

    @property
    def categories(self) -> list[str]:
        seen: dict[str, None] = {}
        for want in self.wants:
            seen.update(dict.fromkeys(want.categories))
        return list(seen)


@dataclass(frozen=True)
class CategoryInfo:
    name: str
    sub_category: str = ""
    master_category: str = ""


@dataclass
class AssistantReply:
    message: str
    categories: list[str]
    number_of_items: int
    not_carried: list[str]
    advice: str
    products: list[dict[str, Any]]
    backend: str
    notices: list[str] = field(default_factory=list)
    wants: list[dict[str, Any]] = field(default_factory=list)
    has_photo: bool = False
    # Taps that answer the reply's question: (label, message sent).
    quick_replies: list[list[str]] = field(default_factory=list)
    # What carries to the next turn (see ``conversation.state_dump``).
    state: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class OccasionInfo:
    slug: str
    name: str
    words: tuple[str, ...]
    usages: tuple[str, ...]
    note: str = ""
    # gender ("" for anyone) -> slots, each a tuple of article types (catalog spelling)
    # in order of preference
    outfits: tuple[tuple[str, tuple[tuple[str, ...], ...]], ...] = ()
    # gender -> a styling note for that gender's outfit (else ``note``)
    notes: tuple[tuple[str, str], ...] = ()

    def outfit_for(self, gender: str) -> tuple[tuple[str, ...], ...] | None:
        """The outfit's slots for ``gender`` ("Men"/"Women"/""), or None if it needs a gender."""
        by_gender = dict(self.outfits)
        if gender and gender in by_gender:
            return by_gender[gender]
        return by_gender.get("")

    def note_for(self, gender: str) -> str:
        """The styling note for this gender's outfit; the occasion's own note otherwise."""
        return dict(self.notes).get(gender) or self.note

    def article_types(self) -> set[str]:
        """Every article type any of its outfits may hold."""
        return {name for _g, slots in self.outfits for slot in slots for name in slot}
