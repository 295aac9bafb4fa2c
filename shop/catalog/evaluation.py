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

from django.db.models import Count

from shop.catalog.exceptions import CatalogError
from shop.catalog.models import Product


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


def _plural(name: str) -> str:
    return name if name.endswith("s") else name + "s"


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
                query=f"{group['base_colour']} {_plural(group['category__name'])}".lower(),
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
