"""The offline backend: the rules classify, the products' own attributes advise."""

from __future__ import annotations

from shop.assistant.advice import offline_advice
from shop.assistant.backends import OFFLINE, Advice, Ask, Found
from shop.assistant.rules import classify
from shop.assistant.types import Classification


class OfflineBackend:
    name = OFFLINE

    def classify(self, ask: Ask) -> Classification:
        return classify(
            message=ask.parsed,
            vocabulary=ask.vocabulary,
            previous=ask.previous,
            shown_prices=ask.shown_prices,
        )

    def advise(self, ask: Ask, found: Found) -> Advice:
        return Advice(
            offline_advice(
                classification=found.classification,
                products=found.products,
                occasion=found.occasion,
                has_photo=found.has_photo,
                look=found.look,
                photo_item=found.photo_item,
                relaxed=found.relaxed,
            )
        )
