from __future__ import annotations

import json
import math
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from shop.catalog.models import Product
from shop.search.evaluation import LabelledQuery, evaluate, queries_from_file, queries_from_labels


def test_metrics_follow_their_definitions() -> None:
    queries = [
        LabelledQuery("a", frozenset({"1", "2"})),
        LabelledQuery("b", frozenset({"9"})),
    ]
    ranked = {"a": ["3", "1", "4", "2"], "b": ["9"]}
    metrics = evaluate(queries, search=lambda q: ranked[q])
    assert metrics.recall_at_1 == pytest.approx(0.5)  # only "b" has a hit first
    assert metrics.recall_at_10 == pytest.approx(1.0)
    assert metrics.mrr == pytest.approx((1 / 2 + 1) / 2)
    dcg_a = 1 / math.log2(3) + 1 / math.log2(5)
    ideal_a = 1 + 1 / math.log2(3)
    assert metrics.ndcg_at_10 == pytest.approx((dcg_a / ideal_a + 1) / 2)


def test_a_search_that_finds_nothing_scores_zero() -> None:
    metrics = evaluate([LabelledQuery("a", frozenset({"1"}))], search=lambda q: ["2", "3"])
    assert (metrics.recall_at_1, metrics.recall_at_10, metrics.mrr, metrics.ndcg_at_10) == (
        0,
        0,
        0,
        0,
    )


def test_ground_truth_files_take_both_shapes(tmp_path: Path) -> None:
    as_object = tmp_path / "a.json"
    as_object.write_text(json.dumps({"red shirts": ["1", 2], "empty": []}))
    as_list = tmp_path / "b.json"
    as_list.write_text(json.dumps([{"query": "red shirts", "relevant": ["1", "2"]}]))
    expected = [LabelledQuery("red shirts", frozenset({"1", "2"}))]
    assert queries_from_file(as_object) == expected
    assert queries_from_file(as_list) == expected


@pytest.mark.django_db
def test_generated_queries_name_a_colour_and_an_article_type_with_their_products() -> None:
    queries = queries_from_labels(min_relevant=2)
    assert queries
    for labelled in queries:
        products = Product.objects.filter(external_id__in=labelled.relevant)
        assert products.count() == len(labelled.relevant) >= 2
        colours = {p.base_colour.lower() for p in products}
        assert len(colours) == 1 and labelled.query.startswith(colours.pop())


@pytest.mark.django_db
def test_eval_search_prints_every_metric_for_each_channel(tmp_path: Path) -> None:
    product = Product.objects.filter(name__icontains="puma").first()
    truth = tmp_path / "truth.json"
    truth.write_text(json.dumps({"puma": [product.external_id]}))
    out = StringIO()
    call_command("eval_search", "--ground-truth", str(truth), stdout=out)
    text = out.getvalue()
    for label in (
        "== keyword",
        "== vector",
        "== hybrid",
        "Recall@1:",
        "Recall@10:",
        "MRR:",
        "nDCG@10:",
    ):
        assert label in text
    keyword_block = text.split("== vector")[0]
    assert "Recall@10: 1.000" in keyword_block


def test_eval_search_reports_an_unreadable_ground_truth(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="Cannot read ground truth"):
        call_command("eval_search", "--ground-truth", str(tmp_path / "missing.json"))
