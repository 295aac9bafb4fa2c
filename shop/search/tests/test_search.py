"""The search selectors on real PostgreSQL + pgvector with dev-tiny BLIP-2 embeddings.

The session fixture (conftest.py) imported and embedded an 80-product real subset.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from django.conf import settings
from django.db.models import Q

from conftest import blip2_reference_itc
from shop import images
from shop.catalog.exceptions import CatalogError
from shop.catalog.models import Product
from shop.search.encoder import Blip2Encoder, get_encoder, model_id_for
from shop.search.models import ProductQueryEmbedding
from shop.search.selectors import (
    PHOTO_SEARCH_UNAVAILABLE,
    VISUAL_SEARCH_UNAVAILABLE,
    ProductFilters,
    keyword_query,
    product_search,
    product_similar,
    product_vector_ranking,
)

pytestmark = pytest.mark.django_db
MODEL = model_id_for("dev-tiny")

QUERIES = [
    "navy blue shirt",
    "red dress for a party",
    "black leather wallet",
    "white sports shoes",
    "gold watch",
    "casual summer t-shirt",
    "women handbag",
    "men formal shoes",
    "kurta",
    "sunglasses",
    "track pants",
    "blue jeans",
]


def _reference_itc(texts: list[str]) -> dict[str, list[tuple[int, float]]]:
    """ITC scores from transformers' own Blip2ForImageTextRetrieval, exhaustively."""
    products = list(Product.objects.embedded_with(MODEL).order_by("id"))
    photos = [images.decode_image_file(p.image.path) for p in products]
    model_dir = Path(settings.SHOP_DATA_DIR) / "models" / "dev-tiny"
    out = blip2_reference_itc(model_dir, photos, texts)
    scores = out.logits_per_image.numpy()  # [products, texts]
    ranked = {}
    for j, text in enumerate(texts):
        order = np.argsort(-scores[:, j], kind="stable")
        ranked[text] = [(products[i].pk, float(scores[i, j])) for i in order]
    return ranked


def _text_vector(text: str) -> np.ndarray:
    return get_encoder().encode_texts([text])[0]


def test_it_ranks_products_exactly_as_blip2_itc_scores_them() -> None:
    reference = _reference_itc(QUERIES)
    total = Product.objects.embedded_with(MODEL).count()
    for text in QUERIES:
        ours = product_vector_ranking(
            text_embedding=_text_vector(text), model_id=MODEL, limit=total
        )
        expected = reference[text]
        assert [pk for pk, _ in ours] == [pk for pk, _ in expected], text
        np.testing.assert_allclose(
            [s for _, s in ours], [s for _, s in expected], atol=2e-4, err_msg=text
        )


def test_it_scores_text_by_the_max_over_query_embeddings_not_their_mean() -> None:
    # The tutorial averaged the 32 query vectors; BLIP-2 takes the maximum.
    product = Product.objects.embedded_with(MODEL).first()
    vectors = np.array(
        [
            np.asarray(row.embedding)
            for row in ProductQueryEmbedding.objects.filter(product=product).order_by("query_index")
        ]
    )
    assert vectors.shape == (32, 256)
    text = _text_vector("navy blue shirt")
    ranked = dict(product_vector_ranking(text_embedding=text, model_id=MODEL, limit=1000))
    assert ranked[product.pk] == pytest.approx(
        float(Blip2Encoder.itc_scores(vectors[None], text)[0]), abs=1e-5
    )
    assert ranked[product.pk] != pytest.approx(float(vectors.mean(axis=0) @ text), abs=1e-4)


def test_the_ann_path_keeps_recall_against_an_exhaustive_itc_scan(
    monkeypatch, vector_paths
) -> None:
    from shop.search import vector_search

    # Few candidate rows for this small catalog, so HNSW really has to pick: 16 of its
    # 2,560 query vectors at first (the shop starts at 64 and deepens).
    monkeypatch.setattr(vector_search, "ANN_FIRST_ROWS", 16)
    everything = list(Product.objects.embedded_with(MODEL).values_list("id", flat=True))
    hits = 0
    for text in QUERIES:
        vector = _text_vector(text)
        vector_paths.clear()
        approx = product_vector_ranking(text_embedding=vector, model_id=MODEL, limit=10)
        assert vector_paths.rounds and not vector_paths.exact, "HNSW answers, no fallback"
        assert min(vector_paths.rounds) < len(everything) * 32 / 2, "a real selection"
        expected = vector_search.exact_scores(
            vector_search.VectorQuery(text=vector), product_ids=everything, limit=10
        )
        hits += len({pk for pk, _ in expected} & {pk for pk, _ in approx})
    assert hits / (10 * len(QUERIES)) >= 0.98


@pytest.mark.parametrize("k", [1, 3, 12])
def test_it_returns_k_vouched_for_results_under_a_gender_filter(k: int, search_floors) -> None:
    search_floors(text=-2.0, image=-2.0)  # every vector match vouched for
    filters = ProductFilters(gender=("Women",))
    assert Product.objects.filter(gender="Women").count() >= 12
    result = product_search(text="shirt", filters=filters, k=k)
    assert len(result.hits) == k
    assert {hit.product.gender for hit in result.hits} == {"Women"}


def test_it_returns_every_vouched_for_match_under_a_narrow_category_filter(search_floors) -> None:
    search_floors(text=-2.0, image=-2.0)
    for category in {p.category for p in Product.objects.all()}:
        matching = Product.objects.filter(category=category).count()
        for filters in (
            ProductFilters(category=(category.slug,)),
            ProductFilters(category=(category.name,)),
        ):
            result = product_search(text="something nice to wear", filters=filters, k=5)
            assert len(result.hits) == min(5, matching), category.name
            assert {hit.product.category_id for hit in result.hits} == {category.pk}


def test_products_not_yet_embedded_never_pad_a_filtered_search(search_floors) -> None:
    women = Product.objects.filter(gender="Women")
    half = list(women.values_list("id", flat=True)[: women.count() // 2])
    Product.objects.filter(id__in=half).update(embedding=None, embedding_model="")
    filters = ProductFilters(gender=("Women",))
    search_floors(text=-2.0, image=-2.0)
    result = product_search(text="zzzz", filters=filters, k=women.count())
    # Only the vector channel vouches here, and only for what it can score.
    assert sorted(h.product.pk for h in result.hits) == sorted(
        women.exclude(id__in=half).values_list("id", flat=True)
    )
    search_floors(text=2.0, image=2.0)
    assert product_search(text="zzzz", filters=filters, k=women.count()).hits == []


@pytest.mark.parametrize("text", ["spaceship", "zzzz"])
def test_nonsense_finds_nothing_under_the_measured_floor(text: str) -> None:
    # No filler either way: unfiltered, and filtered to an article type.
    assert product_search(text=text, k=12).hits == []
    category = Product.objects.order_by("id").first().category
    assert product_search(text=text, filters=ProductFilters(category=(category.name,))).hits == []


def test_a_vector_match_below_the_floor_is_not_returned(search_floors) -> None:
    search_floors(text=-2.0, image=2.0)
    assert len(product_search(text="xqzv plomb", k=5).hits) == 5
    search_floors(text=2.0, image=-2.0)
    assert product_search(text="xqzv plomb", k=5).hits == []
    product = Product.objects.embedded_with(MODEL).order_by("id")[7]
    photo = images.decode_image_file(product.image.path)
    assert product_search(image=photo, k=5).hits  # a photo search takes the photo floor
    search_floors(text=-2.0, image=2.0)
    assert product_search(image=photo, k=5).hits == []
    # Photo and words mix the two floors by the text weight.
    assert product_search(text="xqzv plomb", image=photo, k=5, text_weight=1.0).hits
    assert product_search(text="xqzv plomb", image=photo, k=5, text_weight=0.0).hits == []


def test_a_keyword_match_is_returned_though_no_vector_score_passes_the_floor(
    search_floors,
) -> None:
    search_floors(text=2.0, image=2.0)
    expected = set(
        Product.objects.filter(search_vector=keyword_query("leather")).values_list("id", flat=True)
    )
    assert expected, "the test catalog should have a product named with this word"
    result = product_search(text="leather", k=100)
    assert {hit.product.pk for hit in result.hits} == expected
    assert all(hit.vector_score is None for hit in result.hits)


@pytest.mark.parametrize("word", ["Puma", "kurta", "Nike"])
def test_hybrid_search_puts_exact_word_matches_near_the_top(word: str, search_floors) -> None:
    # dev-tiny's vector channel is random noise, every score let through here: the
    # keyword channel must carry exact words (brands, article types) into the first
    # results anyway.
    search_floors(text=-2.0, image=-2.0)
    matches = set(
        Product.objects.filter(
            Q(name__icontains=word) | Q(category__name__icontains=word)
        ).values_list("id", flat=True)
    )
    assert matches, f"the subset should contain {word!r}"
    result = product_search(text=word, k=2 * len(matches) + 1)
    found = {hit.product.pk for hit in result.hits}
    assert matches <= found
    assert result.hits[0].product.pk in matches


def test_products_not_yet_embedded_appear_in_keyword_results() -> None:
    product = Product.objects.first()
    Product.objects.filter(pk=product.pk).update(embedding=None, embedding_model="")
    ProductQueryEmbedding.objects.filter(product=product).delete()
    result = product_search(text=product.name, k=10)
    assert product.pk in [hit.product.pk for hit in result.hits]
    hit = next(hit for hit in result.hits if hit.product.pk == product.pk)
    assert hit.vector_score is None and hit.keyword_rank is not None


def test_embeddings_of_another_model_are_never_scored() -> None:
    product = Product.objects.first()
    Product.objects.exclude(pk=product.pk).update(embedding_model="another-model")
    ranked = product_vector_ranking(text_embedding=_text_vector("shirt"), model_id=MODEL, limit=100)
    assert [pk for pk, _ in ranked] == [product.pk]


def test_a_product_photo_finds_itself_first() -> None:
    product = Product.objects.embedded_with(MODEL).order_by("id")[7]
    photo = images.decode_image_file(product.image.path)
    result = product_search(image=photo, k=5)
    assert result.hits[0].product == product
    assert result.hits[0].score == pytest.approx(1.0, abs=1e-3)


def test_photo_and_text_weight_moves_between_the_two_scores() -> None:
    product = Product.objects.embedded_with(MODEL).order_by("id")[3]
    photo = images.decode_image_file(product.image.path)
    encoder = get_encoder()
    image_vec = encoder.pooled(encoder.encode_images([photo]))[0]
    text_vec = _text_vector("red dress")
    only_image = product_vector_ranking(
        text_embedding=text_vec,
        image_embedding=image_vec,
        model_id=MODEL,
        limit=5,
        text_weight=0.0,
    )
    image_alone = product_vector_ranking(image_embedding=image_vec, model_id=MODEL, limit=5)
    only_text = product_vector_ranking(
        text_embedding=text_vec,
        image_embedding=image_vec,
        model_id=MODEL,
        limit=5,
        text_weight=1.0,
    )
    text_alone = product_vector_ranking(text_embedding=text_vec, model_id=MODEL, limit=5)
    assert [pk for pk, _ in only_image] == [pk for pk, _ in image_alone]
    assert [pk for pk, _ in only_text] == [pk for pk, _ in text_alone]
    half = dict(
        product_vector_ranking(
            text_embedding=text_vec,
            image_embedding=image_vec,
            model_id=MODEL,
            limit=100,
            text_weight=0.5,
        )
    )
    text_scores = dict(product_vector_ranking(text_embedding=text_vec, model_id=MODEL, limit=100))
    image_scores = dict(
        product_vector_ranking(image_embedding=image_vec, model_id=MODEL, limit=100)
    )
    assert half[product.pk] == pytest.approx(
        0.5 * text_scores[product.pk] + 0.5 * image_scores[product.pk], abs=1e-5
    )


def test_an_empty_query_is_a_clear_error() -> None:
    with pytest.raises(CatalogError, match="Type what you are looking for"):
        product_search(text="   ")


def test_similar_products_exclude_the_product_and_rank_by_photo_similarity() -> None:
    product = Product.objects.embedded_with(MODEL).order_by("id")[0]
    similar = product_similar(product=product, k=5)
    assert len(similar) == 5
    assert product not in similar
    query = np.asarray(product.embedding)
    sims = [float(np.asarray(p.embedding) @ query) for p in similar]
    assert sims == sorted(sims, reverse=True)


@pytest.fixture
def no_model(settings, tmp_path):
    from shop.search import encoder

    settings.SHOP_EMBEDDING_MODEL = str(tmp_path / "no-such-checkpoint")
    get_encoder.cache_clear()
    encoder._failures.clear()
    yield
    get_encoder.cache_clear()
    encoder._failures.clear()


def test_without_a_loadable_model_words_still_find_products_by_keyword(no_model) -> None:
    result = product_search(text="puma", k=5)
    assert not result.used_vectors
    assert result.notice == VISUAL_SEARCH_UNAVAILABLE
    assert result.hits and all(hit.keyword_rank is not None for hit in result.hits)
    # The shopper is not shown paths, hub names or operator advice.
    assert "SHOP_EMBEDDING_MODEL" not in result.notice


def test_without_a_loadable_model_photo_search_is_a_clear_503(no_model) -> None:
    photo = images.decode_image_file(Product.objects.first().image.path)
    with pytest.raises(CatalogError) as raised:
        product_search(image=photo)
    assert raised.value.status == 503
    assert raised.value.message == PHOTO_SEARCH_UNAVAILABLE


def test_a_model_that_failed_to_load_is_not_retried_on_every_request(no_model, monkeypatch) -> None:
    from shop.search import encoder

    attempts = []

    def failing(config):
        attempts.append(config)
        raise encoder.EncoderUnavailable("offline")

    monkeypatch.setattr(encoder, "_encoder_for", failing)
    for _ in range(3):
        product_search(text="shirt")
    assert len(attempts) == 1
    monkeypatch.setattr(encoder, "FAILURE_TTL_S", 0.0)
    product_search(text="shirt")
    assert len(attempts) == 2


def test_the_ann_path_falls_back_to_exact_rather_than_come_back_short(monkeypatch) -> None:
    from shop.search import vector_search

    # An index walk that gives up (max_scan_tuples) returns fewer rows than asked.
    gave_up = vector_search._Round(ranked=[], found={"text": 3}, last={"text": 0.5})
    monkeypatch.setattr(vector_search, "_ann_round", lambda *args, **kwargs: gave_up)
    vector = _text_vector("navy blue shirt")
    ranked = product_vector_ranking(text_embedding=vector, model_id=MODEL, limit=10)
    everything = list(Product.objects.embedded_with(MODEL).values_list("id", flat=True))
    exact = vector_search.exact_scores(
        vector_search.VectorQuery(text=vector), product_ids=everything, limit=10
    )
    assert ranked == exact and len(ranked) == 10


KEYWORD_WORDS = ["shirt", "blue shirt", '"casual shoes"', "watch or wallet", "shoes -sports", "zzq"]


def test_the_results_pages_keyword_ranking_is_product_lists_statement():
    from shop.search import selectors
    from shop.search.filters import ProductFilters

    Product.objects.filter(pk=Product.objects.order_by("id").values("id")[:1]).update(
        is_active=False
    )
    found = {}
    for words in KEYWORD_WORDS:
        by_list = selectors.product_list(filters=ProductFilters(), q=words)
        found[words] = selectors.keyword_ranking(words)
        assert found[words] == list(by_list.values_list("id", flat=True)), words
    assert len(found["shirt"]) > 1 and found["zzq"] == []
    assert found["shoes -sports"] != found["shirt"]
