from __future__ import annotations

import pytest

from shop.catalog.models import Product
from shop.search import relevance, vector_search
from shop.search.encoder import get_encoder
from shop.search.models import SearchCalibration


def test_photo_and_text_floors_mix_by_the_text_weight():
    calibration = SearchCalibration(model_id="m", text_floor=0.4, image_floor=0.8, texts=1, pairs=1)
    assert relevance.floor_for(calibration, text=True, image=False, text_weight=0.5) == 0.4
    assert relevance.floor_for(calibration, text=False, image=True, text_weight=0.5) == 0.8
    mixed = relevance.floor_for(calibration, text=True, image=True, text_weight=0.25)
    assert mixed == pytest.approx(0.25 * 0.4 + 0.75 * 0.8)


def test_the_calibration_texts_are_fixed_and_held_out_texts_are_not_among_them():
    assert relevance.nonsense_texts() == relevance.nonsense_texts()
    assert not set(relevance.HELD_OUT_NONSENSE) & set(relevance.nonsense_texts())


@pytest.mark.django_db
def test_floors_are_measured_once_per_model_and_stored_with_its_id():
    encoder = get_encoder()
    SearchCalibration.objects.all().delete()  # the session's, measured at set-up
    first = relevance.calibration_get(encoder=encoder)
    assert first is not None and first.model_id == encoder.model_id
    assert relevance.calibration_get(encoder=encoder).pk == first.pk
    assert SearchCalibration.objects.count() == 1
    # No calibration text reaches above the text floor (it is their best score).
    for vector in encoder.encode_texts(relevance.nonsense_texts()[:4]):
        top = vector_search.exact_scores_over_model(
            vector_search.VectorQuery(text=vector), model_id=encoder.model_id, limit=1
        )
        assert top[0][1] <= first.text_floor
    # A catalog photo is its own best match, far above the random-pair floor.
    product = Product.objects.embedded_with(encoder.model_id).first()
    assert first.image_floor < 0.9999
    top = vector_search.exact_scores_over_model(
        vector_search.VectorQuery(image=product.embedding), model_id=encoder.model_id, limit=1
    )
    assert top[0] == (product.pk, pytest.approx(1.0, abs=1e-4))
    assert top[0][1] > first.image_floor
