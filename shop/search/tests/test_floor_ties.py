"""No search decision hangs on a float tie or on the CPU (README, "Relevance floors").

A calibration text sets the text floor with its own best score, so searching it again
lands on the floor: exactly, or a float32 step either side, depending on the path
(pgvector's exact scan, an HNSW walk and its rescore, numpy) and on the CPU's SIMD
kernels. ``relevance.vouches`` asks for a stated margin above the floor, so every path
and every one-step nudge of the score or the floor gives the same answer.
"""

from __future__ import annotations

import numpy as np
import pytest

from shop.catalog.models import Product
from shop.search import relevance, vector_search
from shop.search.encoder import get_encoder
from shop.search.models import ProductQueryEmbedding

pytestmark = pytest.mark.django_db


def _nudged(value: float) -> list[float]:
    """The value and its float32 neighbours (one step each way)."""
    single = np.float32(value)
    return [
        float(single),
        float(np.nextafter(single, np.float32(np.inf))),
        float(np.nextafter(single, np.float32(-np.inf))),
    ]


def _numpy_best(vector: np.ndarray, embeddings: dict[int, np.ndarray]) -> float:
    """ITC in float32 numpy: the best of each product's query rows, over the catalog."""
    text = np.asarray(vector, dtype=np.float32)
    return max(float((rows @ text).max()) for rows in embeddings.values())


def _query_rows(model_id: str) -> dict[int, np.ndarray]:
    rows: dict[int, list[np.ndarray]] = {}
    embedded = Product.objects.embedded_with(model_id).values("id")
    for product_id, embedding in ProductQueryEmbedding.objects.filter(
        product_id__in=embedded
    ).values_list("product_id", "embedding"):
        rows.setdefault(product_id, []).append(np.asarray(embedding, dtype=np.float32))
    return {pk: np.stack(vectors) for pk, vectors in rows.items()}


def test_no_calibration_text_vouches_on_any_path_or_a_float_step_away():
    encoder = get_encoder()
    calibration = relevance.calibration_get(encoder=encoder)
    texts = relevance.nonsense_texts()
    valid = Product.objects.browsable().embedded_with(encoder.model_id).order_by()
    embeddings = _query_rows(encoder.model_id)
    batched = encoder.encode_texts(texts)
    for text, in_batch in zip(texts, batched, strict=True):
        alone = encoder.encode_texts([text])[0]
        scores = []
        for vector in (alone, in_batch):
            query = vector_search.VectorQuery(text=vector)
            exact = vector_search.exact_scores_over_model(query, model_id=encoder.model_id, limit=1)
            scores.append(exact[0][1])
            # exact_max=0: the HNSW walk and its exact rescore, not the exact scan.
            scores.append(
                vector_search.rank(query, valid=valid, allowed=None, limit=1, exact_max=0)[0][1]
            )
            scores.append(_numpy_best(vector, embeddings))
        # The paths differ by float rounding only: far inside the margin.
        assert max(scores) - min(scores) < relevance.FLOOR_MARGIN / 10, text
        for score in scores:
            for nudged_score in _nudged(score):
                for nudged_floor in _nudged(calibration.text_floor):
                    assert not relevance.vouches(nudged_score, nudged_floor), text


@pytest.mark.parametrize("floor", [-0.3, 0.0, 0.13863401114940643, 0.4, 0.9])
def test_a_decision_keeps_under_a_float_step_on_either_side(floor: float):
    # At the floor (the tie the margin exists for) it is "no" whatever the rounding;
    # a score clear of the margin is "yes" whatever the rounding.
    for step in (-1e-6, 0.0, 1e-7, relevance.FLOOR_MARGIN / 2):
        for score in _nudged(floor + step):
            for nudged_floor in _nudged(floor):
                assert not relevance.vouches(score, nudged_floor)
    for score in _nudged(floor + 2 * relevance.FLOOR_MARGIN):
        for nudged_floor in _nudged(floor):
            assert relevance.vouches(score, nudged_floor)
