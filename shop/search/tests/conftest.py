from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from shop.search import vector_search


@dataclass
class VectorPaths:
    """Which path answered a vector ranking: HNSW rounds (rows asked each), or the
    exact scan (how many products it scored)."""

    rounds: list[int] = field(default_factory=list)
    exact: list[int] = field(default_factory=list)

    def clear(self) -> None:
        self.rounds.clear()
        self.exact.clear()


@pytest.fixture
def vector_paths(monkeypatch) -> VectorPaths:
    paths = VectorPaths()
    ann_round, exact_scores = vector_search._ann_round, vector_search.exact_scores

    def counting_round(query, **kwargs):
        paths.rounds.append(kwargs["rows"])
        return ann_round(query, **kwargs)

    def counting_exact(query, *, product_ids, limit):
        paths.exact.append(len(product_ids))
        return exact_scores(query, product_ids=product_ids, limit=limit)

    monkeypatch.setattr(vector_search, "_ann_round", counting_round)
    monkeypatch.setattr(vector_search, "exact_scores", counting_exact)
    return paths
