"""The two backends behind the assistant, behind one protocol, and the fallback between them.

Both answer the same two questions: what does the shopper want (``classify``), and
what do we say about the products found (``advise``). Gemini answers when configured;
when it cannot, ``with_fallback`` lets the offline backend answer and says so.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol, TypeVar

from django.conf import settings

from shop.assistant import gemini as gemini_client
from shop.assistant.language import Parsed
from shop.assistant.lexicon import CatalogVocabulary
from shop.assistant.retrieval import Relaxed
from shop.assistant.types import Classification, OccasionInfo
from shop.catalog.models import Product

GEMINI = "gemini"
OFFLINE = "offline"
T = TypeVar("T")


@dataclass(frozen=True)
class Ask:
    """One shopper request as both backends see it."""

    parsed: Parsed
    vocabulary: CatalogVocabulary
    turns: Sequence[dict[str, Any]] = ()
    previous: Classification | None = None
    # want key -> the lowest price shown for it last turn ("cheaper" is measured by it)
    shown_prices: Mapping[str, Decimal] = field(default_factory=dict)
    photo_jpeg: bytes | None = None
    deadline_at: float | None = None

    @property
    def message(self) -> str:
        return self.parsed.message


@dataclass(frozen=True)
class Found:
    """What was found for a request, for the advice."""

    classification: Classification
    products: Sequence[Product]
    occasion: OccasionInfo | None = None
    look: bool = False
    has_photo: bool = False
    photo_item: str = ""
    # Wants shown without some of their constraints (nothing met them all).
    relaxed: Sequence[Relaxed] = ()


@dataclass
class Advice:
    text: str
    notes: dict[int, str] = field(default_factory=dict)


class Backend(Protocol):
    name: str

    def classify(self, ask: Ask) -> Classification: ...

    def advise(self, ask: Ask, found: Found) -> Advice: ...


def backend_choice() -> tuple[str, str]:
    """(backend, notice): which backend should answer, and why not the other."""
    choice = settings.SHOP_ASSISTANT_BACKEND
    if choice == OFFLINE:
        return OFFLINE, ""
    if gemini_client.is_configured():
        return GEMINI, ""
    if choice == GEMINI:
        return OFFLINE, "Gemini is not configured, so the offline assistant answered."
    return OFFLINE, ""


def backend_get(name: str) -> Backend:
    from shop.assistant.backends.gemini import GeminiBackend
    from shop.assistant.backends.offline import OfflineBackend

    return GeminiBackend() if name == GEMINI else OfflineBackend()


def with_fallback(
    backend: Backend, call: Callable[[Backend], T], notices: list[str]
) -> tuple[Backend, T]:
    """``call(backend)``; if Gemini cannot answer, ``call`` on the offline backend, with a
    notice saying why. Returns the backend that answered and its answer."""
    try:
        return backend, call(backend)
    except gemini_client.GeminiUnavailable as error:
        reason = f"{error.reason[:1].upper()}{error.reason[1:]}"
        notice = f"{reason}, so the offline assistant answered."
        if notice not in notices:
            notices.append(notice)
        offline = backend_get(OFFLINE)
        return offline, call(offline)
