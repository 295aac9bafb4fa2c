"""Relevance evaluation of the live search: Recall@1/10, MRR and nDCG@10.

Ground truth is a JSON file mapping queries to relevant products, either
``{"query": ["external id", ...], ...}`` (the query -> relevant-ids shape Marqo's
KAGL benchmark uses) or ``[{"query": "...", "relevant": [...]}, ...]``; or it is
generated from the catalog's own labels ("navy blue shirts" -> every product with
that colour and article type).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from django.db.models import Count

from shop.catalog.exceptions import CatalogError
from shop.catalog.models import Product
from shop.search import relevance, vector_search
from shop.search.filters import ProductFilters
from shop.search.results import results_page
from shop.search.vocabulary import plural

if TYPE_CHECKING:
    from shop.search.encoder import Blip2Encoder


@dataclass(frozen=True)
class LabelledQuery:
    query: str
    relevant: frozenset[str]  # external ids


@dataclass
class Metrics:
    queries: int
    recall_at_1: float
    recall_at_10: float
    mrr: float
    ndcg_at_10: float

    def lines(self) -> list[str]:
        return [
            f"Queries: {self.queries}",
            f"Recall@1:  {self.recall_at_1:.3f}",
            f"Recall@10: {self.recall_at_10:.3f}",
            f"MRR:       {self.mrr:.3f}",
            f"nDCG@10:   {self.ndcg_at_10:.3f}",
        ]


def queries_from_file(path: Path) -> list[LabelledQuery]:
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, ValueError) as error:
        raise CatalogError(f"Cannot read ground truth {path}: {error}") from None
    if isinstance(data, dict):
        pairs = data.items()
    elif isinstance(data, list):
        pairs = ((item["query"], item["relevant"]) for item in data)
    else:
        raise CatalogError("Ground truth must be a JSON object or list.")
    return [
        LabelledQuery(query=str(q), relevant=frozenset(str(r) for r in relevant))
        for q, relevant in pairs
        if relevant
    ]


def queries_from_labels(*, min_relevant: int = 2, limit: int = 200) -> list[LabelledQuery]:
    """ "<colour> <article type>" queries, relevant = products carrying both labels."""
    groups = (
        Product.objects.browsable()
        .exclude(base_colour="")
        .values("base_colour", "category__name")
        .annotate(n=Count("id"))
        .filter(n__gte=min_relevant)
        .order_by("-n", "base_colour", "category__name")[:limit]
    )
    queries = []
    for group in groups:
        relevant = Product.objects.browsable().filter(
            base_colour=group["base_colour"], category__name=group["category__name"]
        )
        queries.append(
            LabelledQuery(
                query=f"{group['base_colour']} {plural(group['category__name'].lower())}".lower(),
                relevant=frozenset(relevant.values_list("external_id", flat=True)),
            )
        )
    return queries


def evaluate(queries: Iterable[LabelledQuery], *, search: Callable[[str], list[str]]) -> Metrics:
    """Score a search function (query -> ranked external ids) against the labels.

    Recall@k is capped (|relevant in top k| / min(k, |relevant|)) so that a perfect
    ranking scores 1.0 even when a query has more than k relevant products.
    """
    queries = list(queries)
    if not queries:
        raise CatalogError("No labelled queries to evaluate.")
    r1 = r10 = mrr = ndcg = 0.0
    for labelled in queries:
        ranked = search(labelled.query)[:10]
        relevant = labelled.relevant
        hits = [pid in relevant for pid in ranked]
        r1 += float(hits[:1] == [True])
        r10 += sum(hits) / min(10, len(relevant))
        mrr += next((1.0 / (i + 1) for i, hit in enumerate(hits) if hit), 0.0)
        dcg = sum(1.0 / math.log2(i + 2) for i, hit in enumerate(hits) if hit)
        ideal = sum(1.0 / math.log2(i + 2) for i in range(min(10, len(relevant))))
        ndcg += dcg / ideal
    n = len(queries)
    return Metrics(
        queries=n, recall_at_1=r1 / n, recall_at_10=r10 / n, mrr=mrr / n, ndcg_at_10=ndcg / n
    )


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
    calibration = relevance.calibration_get(encoder=encoder)
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
        above = [
            hit
            for (_, score), hit in zip(top, hits, strict=True)
            if relevance.vouches(score, floor)
        ]
        relevant_without += sum(hits)
        relevant_with += sum(above)
        shown += len(above)
    empty = 0
    for vector in encoder.encode_texts(relevance.HELD_OUT_NONSENSE):
        top = vector_search.exact_scores_over_model(
            vector_search.VectorQuery(text=vector), model_id=encoder.model_id, limit=1
        )
        empty += not top or not relevance.vouches(top[0][1], floor)
    empty_page = sum(
        results_page(filters=ProductFilters(q=text)).total == 0
        for text in relevance.HELD_OUT_NONSENSE
    )
    n = max(len(queries), 1)
    return FloorEffect(
        text_floor=floor,
        queries=len(queries),
        precision_without=relevant_without / (10 * n),
        precision_with=relevant_with / shown if shown else 0.0,
        shown_with=shown / n,
        nonsense=len(relevance.HELD_OUT_NONSENSE),
        nonsense_empty_with=empty / len(relevance.HELD_OUT_NONSENSE),
        nonsense_empty_page=empty_page / len(relevance.HELD_OUT_NONSENSE),
    )
