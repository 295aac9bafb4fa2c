"""The search accelerator against PostgreSQL's exact scan, on the dev-tiny test catalog.

Each test builds the files for the embedded subset in a throwaway folder (with
no minimum filter size, so every ranking with words goes through it) and compares
``product_vector_ranking`` with ``exact_scores`` over the same products: the same ids
in the same order with the same scores, whether the build is current, behind the
database, damaged or absent.
"""

from __future__ import annotations

import json
import logging

import numpy as np
import pytest
from django.test import override_settings

from shop.catalog.models import Product
from shop.search import vector_search
from shop.search.accelerator import accelerator_for, build, ranking, store
from shop.search.accelerator.build import accelerator_build
from shop.search.encoder import get_encoder
from shop.search.filters import ProductFilters
from shop.search.models import ProductQueryEmbedding
from shop.search.selectors import product_vector_ranking

pytestmark = pytest.mark.django_db
WORDS = ["red dress", "black leather shoes", "blue denim jeans for men", "watch"]


@pytest.fixture
def answered(monkeypatch, tmp_path) -> list[bool]:
    """A throwaway build folder; records whether each ranking came from the build."""
    calls: list[bool] = []
    rank = ranking.Accelerator.rank

    def recording(self, *args, **kwargs):
        result = rank(self, *args, **kwargs)
        calls.append(result is not None)
        return result

    monkeypatch.setattr(ranking.Accelerator, "rank", recording)
    with override_settings(
        SHOP_SEARCH_ACCELERATOR_DIR=tmp_path, SHOP_SEARCH_ACCELERATOR_MIN_PRODUCTS=0
    ):
        store.forget()
        yield calls
    store.forget()


def _model() -> str:
    return get_encoder().model_id


def _text(words: str) -> np.ndarray:
    return get_encoder().encode_texts([words])[0]


def _exact(text, image=None, *, products=None, k: int = 10) -> list[tuple[int, float]]:
    valid = Product.objects.browsable().embedded_with(_model())
    ids = list((products if products is not None else valid).values_list("id", flat=True))
    query = vector_search.VectorQuery(text=text, image=image)
    return vector_search.exact_scores(query, product_ids=ids, limit=k)


def _ranked(text, image=None, *, filters: ProductFilters | None = None, k: int = 10):
    return product_vector_ranking(
        text_embedding=text, image_embedding=image, model_id=_model(), filters=filters, limit=k
    )


def _biggest_type() -> str:
    counts: dict[str, int] = {}
    for name in Product.objects.embedded_with(_model()).values_list("category__name", flat=True):
        counts[name] = counts.get(name, 0) + 1
    return max(counts, key=counts.get)


def _new_vectors(product: Product, towards: np.ndarray) -> None:
    """Embed a product again, as the embedder does: its rows replaced, new ids."""
    rng = np.random.default_rng(product.pk)
    vectors = towards[None] + 0.05 * rng.standard_normal((32, len(towards)))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    ProductQueryEmbedding.objects.filter(product=product).delete()
    ProductQueryEmbedding.objects.bulk_create(
        ProductQueryEmbedding(product=product, query_index=q, embedding=vectors[q])
        for q in range(32)
    )


def test_it_ranks_words_exactly_as_postgresql_does(answered) -> None:
    accelerator_build(model_id=_model())
    for words in WORDS:
        text = _text(words)
        assert _ranked(text) == _exact(text)
        assert _ranked(text, k=3) == _exact(text, k=3)
    assert answered and all(answered)


def test_it_ranks_words_under_filters_exactly_as_postgresql_does(answered) -> None:
    accelerator_build(model_id=_model())
    kind = _biggest_type()
    valid = Product.objects.browsable().embedded_with(_model())
    for filters, products in [
        (ProductFilters(category=(kind,)), valid.filter(category__name=kind)),
        (ProductFilters(gender=("Men",)), valid.filter(gender="Men")),
    ]:
        assert products.count() >= 3
        for words in WORDS:
            text = _text(words)
            assert _ranked(text, filters=filters, k=5) == _exact(text, products=products, k=5)
    assert answered and all(answered)


def test_big_article_types_are_split_into_lists_and_rank_the_same(answered, monkeypatch) -> None:
    monkeypatch.setattr(build, "LIST_PRODUCTS", 2)
    accelerator_build(model_id=_model())
    mapped = store.mapped_build(_model())
    kind = _biggest_type()
    valid = Product.objects.browsable().embedded_with(_model())
    types = Product.objects.embedded_with(_model()).values("category").distinct().count()
    assert mapped.meta.lists > types  # the biggest type (>= 3 products) is split
    for words in WORDS:
        text = _text(words)
        assert _ranked(text) == _exact(text)
        products = valid.filter(category__name=kind)
        filters = ProductFilters(category=(kind,))
        assert _ranked(text, filters=filters, k=5) == _exact(text, products=products, k=5)
    assert answered and all(answered)


@pytest.mark.parametrize("count", [1, 7, 64])
def test_a_scan_split_in_halves_finds_the_vectors_one_scan_does(
    answered, monkeypatch, count
) -> None:
    """A big scan runs as two halves of the lists on two threads: the best ``count``
    of both are the best ``count`` of one scan (the same scores, best first), with a
    filter or without, and rankings stay exact."""
    from shop.search.accelerator import scoring

    monkeypatch.setattr(build, "LIST_PRODUCTS", 2)
    accelerator_build(model_id=_model())
    mapped = store.mapped_build(_model())
    men = np.flatnonzero(
        np.isin(
            mapped.products, list(Product.objects.filter(gender="Men").values_list("id", flat=True))
        )
    )
    halves: list[int] = []
    split = scoring._halves

    def recorded(build_, lists):
        parts = split(build_, lists)
        halves.append(len(parts))
        return parts

    monkeypatch.setattr(scoring, "_halves", recorded)
    for words in WORDS:
        query, _factor, _e8 = scoring._int8_query(mapped, _text(words))
        for rows in (None, men):
            with override_settings(SHOP_SEARCH_ACCELERATOR_SPLIT_PRODUCTS=0):
                whole = scoring._scan(mapped, query, rows, count)
            with override_settings(SHOP_SEARCH_ACCELERATOR_SPLIT_PRODUCTS=1):
                halved = scoring._scan(mapped, query, rows, count)
            assert halved[0].tolist() == whole[0].tolist()
            above = whole[0] > whole[0][-1]  # below the last score, ties may differ
            assert set(halved[1][halved[0] > whole[0][-1]]) == set(whole[1][above])
            assert len(set(halved[1].tolist())) == len(halved[1])
    assert halves.count(2) == len(halves) // 2  # every scan with the limit at 1 split
    photos = Product.objects.embedded_with(_model()).order_by("-id")
    with override_settings(SHOP_SEARCH_ACCELERATOR_SPLIT_PRODUCTS=1):
        for words, photo in zip(WORDS, photos, strict=False):
            text, image = _text(words), np.asarray(photo.embedding)
            assert _ranked(text) == _exact(text)
            assert _ranked(text, image) == _exact(text, image)  # photo cosines in halves
            whole = scoring._photo_cosines(mapped, None, image.astype(np.float32))
            assert np.abs(whole - mapped.pooled @ image.astype(np.float32)).max() <= 1e-6
    assert answered and all(answered)


def test_each_process_scans_halves_with_its_own_threads(monkeypatch) -> None:
    """A pool made before a fork has no threads in the child: the child makes its own."""
    from shop.search.accelerator import scoring

    parents = scoring._pool()
    child = -12345
    monkeypatch.setattr(scoring.os, "getpid", lambda: child)
    try:
        childs = scoring._pool()
        assert childs is not parents
        assert scoring._pool() is childs
        assert childs.submit(sum, [1, 2]).result() == 3
    finally:
        scoring._pools.pop(child).shutdown()


def test_a_scan_that_must_deepen_still_ranks_exactly(answered, monkeypatch) -> None:
    """With the scan's first batch cut to a few vectors (and few unreached products
    allowed with a photo), the cuts lean on the bound of the vectors it did not return
    (the int16 rescore reads only the returned ones): rankings stay exact."""
    from shop.search.accelerator import scoring

    monkeypatch.setattr(scoring, "FIRST_VECTORS", 4)
    monkeypatch.setattr(scoring, "MAX_UNSEEN", 2)
    scans: list[int] = []
    scan = scoring._scan

    def counting(build, query, rows, count):
        scans.append(count)
        return scan(build, query, rows, count)

    monkeypatch.setattr(scoring, "_scan", counting)
    accelerator_build(model_id=_model())
    kind = _biggest_type()
    valid = Product.objects.browsable().embedded_with(_model())
    photos = Product.objects.embedded_with(_model()).order_by("-id")
    for words, photo in zip(WORDS, photos, strict=False):
        text, image = _text(words), np.asarray(photo.embedding)
        for k in (1, 3, 10):
            assert _ranked(text, k=k) == _exact(text, k=k)
            assert _ranked(text, image, k=k) == _exact(text, image, k=k)
        filters = ProductFilters(gender=("Men",))
        products = valid.filter(gender="Men")
        assert _ranked(text, filters=filters, k=3) == _exact(text, products=products, k=3)
        filters = ProductFilters(category=(kind,))
        products = valid.filter(category__name=kind)
        assert _ranked(text, image, filters=filters, k=2) == _exact(
            text, image, products=products, k=2
        )
    assert answered and all(answered)
    assert 4 in scans and max(scans) > 4  # it did start small and deepen


def test_the_int16_interval_holds_the_itc_when_the_scan_returned_only_some_vectors(
    answered,
) -> None:
    """A product the scan reached through its worst vector: the rescore reads only
    that one, so its interval must reach up to the bound of the vectors not returned."""
    from shop.search.accelerator import scoring

    accelerator_build(model_id=_model())
    build = store.mapped_build(_model())
    text = _text("black leather shoes")
    rows = np.arange(build.meta.products)
    slots = build.fine.astype(np.float64).reshape(-1, 32, 256) @ text / build.meta.int16_scale
    worst = slots.argmin(axis=1)
    rest = slots.max(axis=1).max() + build.meta.int16_error + 1e-6  # over every vector
    scanned = scoring._Scanned(
        rows=rows,
        photo=np.zeros(len(rows), dtype=np.float32),
        reached=np.ones(len(rows), dtype=bool),
        entries=rows * 32 + worst,
        rest=float(rest),
        cut=-np.inf,
    )
    low, high = scoring._fine_itc(build, text, scanned)
    exact = slots.max(axis=1)  # within int16_error of PostgreSQL's: same bound as above
    assert (low <= slots.min(axis=1) + 1e-6).all()
    assert (high >= exact).all()
    assert (slots.min(axis=1) + build.meta.int16_error < exact).any()  # it can fail


def test_a_build_in_an_older_format_is_refused_and_rebuilt(answered, caplog) -> None:
    accelerator_build(model_id=_model())
    meta_path = store.root() / store.CURRENT / "meta.json"
    meta = json.loads(meta_path.read_text())
    meta_path.write_text(json.dumps({**meta, "format": store.FORMAT - 1}))
    store.forget()

    with caplog.at_level(logging.INFO, logger="shop.search.accelerator.store"):
        assert accelerator_for(_model()) is None
    rebuilt = accelerator_build(model_id=_model(), if_changed=True)

    assert not rebuilt.skipped
    assert accelerator_for(_model()) is not None


def test_list_numbers_follow_the_article_types_in_pieces(monkeypatch) -> None:
    monkeypatch.setattr(build, "LIST_PRODUCTS", 3)
    categories = np.array([4, 4, 4, 4, 4, 4, 4, 9, 12, 12, 12])
    assert build.list_numbers(categories).tolist() == [0, 0, 0, 1, 1, 1, 2, 3, 4, 4, 4]


def test_it_ranks_words_and_a_photo_exactly_as_postgresql_does(answered) -> None:
    accelerator_build(model_id=_model())
    photos = Product.objects.embedded_with(_model()).order_by("id")
    for words, photo in zip(WORDS, photos, strict=False):
        text, image = _text(words), np.asarray(photo.embedding)
        assert _ranked(text, image) == _exact(text, image)
    assert answered and all(answered)


def test_products_embedded_after_the_build_are_merged_in(answered) -> None:
    accelerator_build(model_id=_model())
    text = _text("red dress")
    last = _exact(text)[-1][0]
    _new_vectors(Product.objects.get(pk=last), towards=text)  # now the best match

    ranked = _ranked(text)

    assert ranked[0][0] == last
    assert ranked == _exact(text)
    assert answered == [True]


def test_products_gone_since_the_build_are_left_out(answered) -> None:
    accelerator_build(model_id=_model())
    text = _text("black leather shoes")
    best, second = (pk for pk, _ in _exact(text)[:2])
    Product.objects.filter(pk=best).update(is_active=False)
    Product.objects.filter(pk=second).delete()

    ranked = _ranked(text)

    assert {best, second}.isdisjoint(pk for pk, _ in ranked)
    assert ranked == _exact(text)
    assert answered == [True]


@pytest.mark.parametrize("damage", ["meta", "codes", "vectors", "absent"])
def test_a_damaged_or_missing_build_leaves_postgresql_to_answer(answered, caplog, damage) -> None:
    accelerator_build(model_id=_model())
    folder = store.root() / store.CURRENT
    if damage == "meta":
        (folder / "meta.json").write_text("{not json")
    elif damage == "codes":
        (folder / "text.faiss").write_bytes(b"\0" * 1000)
    elif damage == "vectors":
        with open(folder / "fine.npy", "r+b") as f:
            f.truncate(4096)
    else:
        (store.root() / store.CURRENT).unlink()
    text = _text("watch")

    with caplog.at_level(logging.INFO, logger="shop.search.accelerator.store"):
        assert _ranked(text) == _exact(text)
    assert not answered  # never consulted: the build was refused when mapped
    assert "PostgreSQL scores" in caplog.text


def test_another_models_build_is_not_used(answered, caplog) -> None:
    accelerator_build(model_id=_model())

    with caplog.at_level(logging.WARNING, logger="shop.search.accelerator.store"):
        assert accelerator_for("another-model@1") is None
    assert accelerator_for(_model()) is not None
    assert f"built for {_model()}, the shop embeds with another-model@1" in caplog.text


def test_switched_off_it_is_never_consulted(answered) -> None:
    accelerator_build(model_id=_model())
    with override_settings(SHOP_SEARCH_ACCELERATOR=False):
        assert accelerator_for(_model()) is None


def test_a_build_far_behind_the_database_leaves_postgresql_to_answer(answered) -> None:
    accelerator_build(model_id=_model())
    text = _text("red dress")
    for product in Product.objects.embedded_with(_model())[:3]:
        _new_vectors(product, towards=text)

    with override_settings(SHOP_SEARCH_ACCELERATOR_MAX_STALE=2):
        store.forget()
        assert _ranked(text) == _exact(text)
    assert answered == [False]


def test_it_rebuilds_only_when_the_embeddings_changed(answered) -> None:
    first = accelerator_build(model_id=_model())
    again = accelerator_build(model_id=_model(), if_changed=True)
    product = Product.objects.embedded_with(_model()).first()
    _new_vectors(product, towards=_text("watch"))
    after = accelerator_build(model_id=_model(), if_changed=True)

    assert first.products == Product.objects.embedded_with(_model()).count()
    assert again.skipped and not after.skipped
    assert after.products == first.products


def test_every_copy_scores_within_the_error_it_states(answered) -> None:
    """The premise of every candidate cut: a product's int8 and int16 ITC stay within
    the build's stated errors of the exact one."""
    from shop.search.accelerator import scoring

    accelerator_build(model_id=_model())
    build = store.mapped_build(_model())
    rows = ProductQueryEmbedding.objects.filter(product_id__in=list(build.products))
    vectors = {(r.product_id, r.query_index): np.asarray(r.embedding) for r in rows}
    for words in WORDS:
        text = _text(words)
        exact = np.array([max(vectors[(pk, q)] @ text for q in range(32)) for pk in build.products])
        query, factor, e8 = scoring._int8_query(build, text)
        scores, labels = scoring._scan(build, query, None, build.meta.products * 32)
        # Each entry is one query vector, its id 32 * row + slot.
        slot_exact = np.array(
            [vectors[(build.products[e // 32], e % 32)] @ text for e in labels.tolist()]
        )
        assert np.abs(scores * factor - slot_exact).max() <= e8
        coarse = np.full(build.meta.products, -np.inf)
        np.maximum.at(coarse, labels // 32, scores * factor)
        fine = (build.fine.astype(np.float64) @ text / build.meta.int16_scale).reshape(-1, 32)
        assert np.abs(coarse - exact).max() <= e8
        assert np.abs(fine.max(axis=1) - exact).max() <= build.meta.int16_error + 1e-6
        assert np.abs(coarse - exact).max() > 0  # int8 does move scores: the test can fail


def test_a_build_is_queued_once_for_a_burst_and_the_task_builds(answered) -> None:
    from procrastinate.contrib.django.models import ProcrastinateJob

    from shop.search.accelerator.build import BUILD_TASK, accelerator_build_queue
    from shop.search.tasks import search_accelerator_build

    assert accelerator_build_queue() is not None
    assert accelerator_build_queue() is None  # the queued one will see this change too
    assert ProcrastinateJob.objects.filter(task_name=BUILD_TASK, status="todo").count() == 1

    assert "products" in search_accelerator_build(timestamp=0)
    assert accelerator_for(_model()) is not None
    assert "nothing changed" in search_accelerator_build(timestamp=0)


def test_an_article_types_rows_are_read_in_place_and_any_others_copied() -> None:
    from shop.search.accelerator import scoring

    pooled = np.arange(40, dtype=np.float32).reshape(10, 4)
    run, scattered = np.array([3, 4, 5, 6]), np.array([1, 4, 5, 9])
    in_place = scoring._rows_of_file(pooled, run)
    assert np.shares_memory(in_place, pooled) and (in_place == pooled[run]).all()
    copied = scoring._rows_of_file(pooled, scattered)
    assert not np.shares_memory(copied, pooled) and (copied == pooled[scattered]).all()
    assert scoring._rows_of_file(pooled, None) is pooled
    assert scoring._rows_of_file(pooled, np.array([], dtype=np.int64)).shape == (0, 4)
