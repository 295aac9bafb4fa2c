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
from typing import TYPE_CHECKING

import numpy as np

from shop.catalog.models import Product
from shop.search import vector_search
from shop.search.models import SearchCalibration

if TYPE_CHECKING:
    from shop.search.encoder import Blip2Encoder

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
    # Every search reads this: a raw read skips compiling the ORM's statement (~0.5 ms).
    table = SearchCalibration._meta.db_table
    found = SearchCalibration.objects.raw(
        f"SELECT * FROM {table} WHERE model_id = %s",  # noqa: S608 (the model's own table)
        [encoder.model_id],
    )
    calibration = next(iter(found), None)
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
