"""Honest relevance: per-model score floors for the vector channel.

BLIP-2 gives every product some score for any query, so "the top 24" of a nonsense
query is filler. A vector match is shown only above a floor calibrated for the
model in use and stored with its id:

- text floor: the best score any of a fixed set of nonsense texts (random letters,
  words from outside fashion) reaches against the catalog. A real query must beat
  what nonsense can reach.
- photo floor: the 99th percentile of photo-to-photo cosines between random pairs of
  catalog products. A shopper's photo must look more alike than a random pair does.

Floors are computed by ``manage.py calibrate_search`` or lazily on the first search
with a model; a new model id gets its own row, so floors never mix.

A score vouches for a product only when it clears the floor by ``FLOOR_MARGIN``
(``vouches``). Scores are float32 inner products whose last bits depend on the path
(pgvector's SIMD kernels differ between CPUs, a text encoded alone or in a batch
differs by ~1e-7), so a calibration text searched again can land one float32 step
above the floor it set. The margin is a thousand such steps and far below any gap
that tells a real match from nonsense, so no decision hangs on a float tie.
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from shop.catalog import vector_search
from shop.catalog.models import Product, SearchCalibration

if TYPE_CHECKING:
    from shop.catalog.encoder import Blip2Encoder

IMAGE_PERCENTILE = 99.0
MAX_PAIR_PRODUCTS = 400
OFF_TOPIC = [
    "spaceship",
    "quantum physics lecture",
    "volcano eruption",
    "tax return form",
    "banana bread recipe",
    "car engine oil",
    "guitar chords",
    "mortgage calculator",
    "python programming",
    "weather forecast tomorrow",
    "dinosaur fossil",
    "printer ink cartridge",
    "football league table",
    "asdf qwerty",
    "zzzz",
    "lorem ipsum dolor",
]
# Held out from calibration: eval_search measures the floor on these.
HELD_OUT_NONSENSE = [
    "submarine",
    "tractor",
    "xkcd plmq",
    "refrigerator repair",
    "chemistry homework",
    "airport lounge",
    "qwpoeiru",
    "vacuum cleaner",
]
RANDOM_TEXTS = 16
# How far above its floor a score must be (see the module docstring).
FLOOR_MARGIN = 1e-4


def nonsense_texts() -> list[str]:
    """The calibration texts: off-topic phrases and seeded random letter strings."""
    rng = random.Random(8)
    letters = [
        "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(4, 10)))
        for _ in range(RANDOM_TEXTS)
    ]
    return [*OFF_TOPIC, *letters]


def vouches(score: float, floor: float) -> bool:
    """Whether a vector score is a match: above the floor by the stated margin."""
    return score > floor + FLOOR_MARGIN


def text_floor_measure(*, encoder: Blip2Encoder, texts: list[str]) -> float:
    """The best ITC score any of ``texts`` reaches against the embedded catalog.

    Each text is encoded alone, as a shopper's words are, so the floor comes from the
    computation a search repeats (a batch pads and rounds differently).
    """
    best = -1.0
    for text in texts:
        vector = encoder.encode_texts([text])[0]
        top = vector_search.exact_scores_over_model(
            vector_search.VectorQuery(text=vector), model_id=encoder.model_id, limit=1
        )
        if top:
            best = max(best, top[0][1])
    return best


def image_floor_measure(*, model_id: str) -> tuple[float, int]:
    """(99th percentile of random catalog pair cosines, pairs scored)."""
    ids = list(Product.objects.embedded_with(model_id).order_by("id").values_list("id", flat=True))
    random.Random(8).shuffle(ids)
    chosen = ids[:MAX_PAIR_PRODUCTS]
    vectors = np.array(
        [
            np.asarray(v, dtype=np.float32)
            for v in Product.objects.filter(id__in=chosen).values_list("embedding", flat=True)
        ]
    )
    if len(vectors) < 2:
        return 1.0, 0
    cosines = vectors @ vectors.T
    pairs = cosines[np.triu_indices(len(vectors), k=1)]
    return float(np.percentile(pairs, IMAGE_PERCENTILE)), int(pairs.size)


def search_calibrate(*, encoder: Blip2Encoder) -> SearchCalibration:
    """Measure and store the floors for the encoder's model (replacing earlier ones)."""
    texts = nonsense_texts()
    text_floor = text_floor_measure(encoder=encoder, texts=texts)
    image_floor, pairs = image_floor_measure(model_id=encoder.model_id)
    calibration, _ = SearchCalibration.objects.update_or_create(
        model_id=encoder.model_id,
        defaults={
            "text_floor": text_floor,
            "image_floor": image_floor,
            "texts": len(texts),
            "pairs": pairs,
        },
    )
    return calibration


def calibration_get(*, encoder: Blip2Encoder) -> SearchCalibration | None:
    """The stored floors for the encoder's model, measured now if missing.

    None when no product is embedded with this model yet (nothing to measure).
    """
    calibration = SearchCalibration.objects.filter(model_id=encoder.model_id).first()
    if calibration is not None:
        return calibration
    if not Product.objects.embedded_with(encoder.model_id).exists():
        return None
    return search_calibrate(encoder=encoder)


def floor_for(
    calibration: SearchCalibration, *, text: bool, image: bool, text_weight: float
) -> float:
    """The floor for a query's channel mix (photo + text mixes the two floors)."""
    if text and image:
        return text_weight * calibration.text_floor + (1 - text_weight) * calibration.image_floor
    return calibration.text_floor if text else calibration.image_floor


@dataclass
class FloorEffect:
    """What the floor does to the vector channel's top 10 (eval_search --floor)."""

    text_floor: float
    queries: int
    precision_without: float  # share of the top 10 that is relevant, no floor
    precision_with: float  # share of what is shown above the floor that is relevant
    shown_with: float  # results shown per query above the floor (of 10)
    nonsense: int
    nonsense_empty_with: float  # share of held-out nonsense texts with nothing above the floor
    nonsense_empty_page: float  # share answered "no good matches" by the whole results page

    def lines(self) -> list[str]:
        return [
            f"Text floor: {self.text_floor:.4f}",
            f"Label queries: {self.queries}",
            f"Precision@10 without floor: {self.precision_without:.3f}",
            f"Precision of shown with floor: {self.precision_with:.3f} "
            f"({self.shown_with:.1f} of 10 shown per query)",
            f"Held-out nonsense queries: {self.nonsense}",
            "Nonsense answered empty: without floor 0.000, "
            f"with floor (vector channel) {self.nonsense_empty_with:.3f}, "
            f"results page {self.nonsense_empty_page:.3f}",
        ]


def floor_effect(*, encoder: Blip2Encoder, queries: list) -> FloorEffect:
    """Measure the floor on labelled queries and held-out nonsense (see FloorEffect)."""
    from shop.catalog.filters import ProductFilters
    from shop.catalog.results import results_page

    calibration = calibration_get(encoder=encoder)
    if calibration is None:
        raise ValueError("No product is embedded with this model yet.")
    floor = calibration.text_floor
    external = dict(Product.objects.values_list("id", "external_id"))
    relevant_without = relevant_with = shown = 0
    for labelled, vector in zip(
        queries, encoder.encode_texts([q.query for q in queries]), strict=True
    ):
        top = vector_search.exact_scores_over_model(
            vector_search.VectorQuery(text=vector), model_id=encoder.model_id, limit=10
        )
        hits = [external[pk] in labelled.relevant for pk, _ in top]
        above = [hit for (_, score), hit in zip(top, hits, strict=True) if vouches(score, floor)]
        relevant_without += sum(hits)
        relevant_with += sum(above)
        shown += len(above)
    empty = 0
    for vector in encoder.encode_texts(HELD_OUT_NONSENSE):
        top = vector_search.exact_scores_over_model(
            vector_search.VectorQuery(text=vector), model_id=encoder.model_id, limit=1
        )
        empty += not top or not vouches(top[0][1], floor)
    empty_page = sum(
        results_page(filters=ProductFilters(q=text)).total == 0 for text in HELD_OUT_NONSENSE
    )
    n = max(len(queries), 1)
    return FloorEffect(
        text_floor=floor,
        queries=len(queries),
        precision_without=relevant_without / (10 * n),
        precision_with=relevant_with / shown if shown else 0.0,
        shown_with=shown / n,
        nonsense=len(HELD_OUT_NONSENSE),
        nonsense_empty_with=empty / len(HELD_OUT_NONSENSE),
        nonsense_empty_page=empty_page / len(HELD_OUT_NONSENSE),
    )
