"""``HeadOrder``: the adjusted order of a ranking's first places, read only as far as needed."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shop.search.merchandising.head import HeadOrder


def _full(order: list[int], adjustments: dict[int, Decimal]) -> list[int]:
    """Every product scored, then sorted: what the head must equal."""
    n = len(order)
    place = {pk: i for i, pk in enumerate(order)}
    return sorted(order, key=lambda pk: (-(n - place[pk] + n * adjustments[pk]), place[pk]))


def _under(order: list[int], ceiling) -> object:  # noqa: ANN001
    """``upper`` from a ceiling on the adjustments: ``(n - place) + n * ceiling(place)``."""
    n = len(order)
    return lambda place: n - place + n * ceiling(place)


def _counting(adjustments: dict[int, Decimal], *, sparse: bool = True):
    """A reader that records what it was asked; ``sparse``: it leaves out the ids that
    nothing moves, as the shop's does."""
    asked: list[int] = []

    def read(ids):
        asked.extend(ids)
        return {pk: adjustments[pk] for pk in ids if adjustments[pk] or not sparse}

    return read, asked


weights = st.sampled_from(
    [
        Decimal(w)
        for w in ("0", "0", "0.01", "0.05", "0.1", "0.15", "0.5", "1", "2", "-0.2", "-1000")
    ]
)


@settings(max_examples=300, deadline=None)
@given(
    n=st.integers(0, 400),
    picks=st.lists(weights, min_size=1, max_size=400),
    slack=st.sampled_from([Decimal(0), Decimal("0.3")]),
    exact_suffix=st.booleans(),
    sparse=st.booleans(),
    page=st.integers(1, 60),
)
def test_every_page_equals_the_full_ordering(n, picks, slack, exact_suffix, sparse, page):
    order = list(range(1000, 1000 + n))
    adjustments = {pk: picks[i % len(picks)] for i, pk in enumerate(order)}
    values = [adjustments[pk] for pk in order]
    suffix = [Decimal(0)] * (n + 1)
    for i in range(n - 1, -1, -1):
        suffix[i] = max(values[i], suffix[i + 1]) if i < n - 1 else values[i]
    top = max(values, default=Decimal(0))

    def ceiling(place: int) -> Decimal:
        return (suffix[place] if exact_suffix else top) + slack

    expected = _full(order, adjustments)
    read, _asked = _counting(adjustments, sparse=sparse)
    head = HeadOrder(order, read=read, upper=_under(order, ceiling))
    assert len(head) == n
    for start in range(0, n + page, page):
        assert head[start : start + page] == expected[start : start + page]
    assert list(head) == expected


def test_the_first_page_reads_only_the_head_that_can_reach_it():
    order = list(range(10_000))
    adjustments = {pk: Decimal("0.01") * (pk % 3) for pk in order}  # at most 0.02
    read, asked = _counting(adjustments)
    head = HeadOrder(order, read=read, upper=_under(order, lambda _place: Decimal("0.02")))

    assert head[:24] == _full(order, adjustments)[:24]
    # A product 200 places down can climb at most 0.02 * 10,000 = 200 places.
    assert 24 <= len(asked) <= 1_000
    assert len(set(asked)) == len(asked), "no product is read twice"


def test_a_later_page_reads_on_from_where_the_first_stopped():
    order = list(range(5_000))
    adjustments = {pk: Decimal("0.05") if pk % 7 == 0 else Decimal(0) for pk in order}
    read, asked = _counting(adjustments)
    head = HeadOrder(order, read=read, upper=_under(order, lambda _place: Decimal("0.05")))
    expected = _full(order, adjustments)

    assert head[:24] == expected[:24]
    first = len(asked)
    assert head[24:48] == expected[24:48]
    assert first <= len(asked) < len(order)
    assert len(set(asked)) == len(asked)


def test_with_nothing_above_zero_the_first_page_reads_little_more_than_itself():
    order = list(range(5_000))
    adjustments = {pk: Decimal(-1000) if pk % 5 == 0 else Decimal(0) for pk in order}
    read, asked = _counting(adjustments)
    head = HeadOrder(order, read=read, upper=_under(order, lambda _place: Decimal(0)))

    assert head[:24] == _full(order, adjustments)[:24]
    assert len(asked) <= 100


@pytest.mark.parametrize("sparse", [True, False])
def test_ties_keep_the_ranking_order_whether_or_not_a_product_was_moved(sparse):
    # Of 10, the first loses a tenth (one place): it ties the second, and stays first;
    # the fourth gains a tenth and ties the third, which stays before it.
    order = list(range(10))
    adjustments = dict.fromkeys(order, Decimal(0)) | {0: Decimal("-0.1"), 3: Decimal("0.1")}
    read, _asked = _counting(adjustments, sparse=sparse)
    head = HeadOrder(order, read=read, upper=_under(order, lambda _place: Decimal("0.1")))

    assert list(head) == _full(order, adjustments) == order


@settings(max_examples=300, deadline=None)
@given(
    n=st.integers(0, 300),
    picks=st.lists(weights, min_size=1, max_size=300),
    lifts=st.lists(st.sampled_from(["0", "0.1", "0.3", "0.5", "1"]), min_size=1, max_size=50),
    every=st.integers(1, 12),
    sparse=st.booleans(),
    page=st.integers(1, 40),
)
def test_climbers_read_out_of_order_give_the_full_ordering(n, picks, lifts, every, sparse, page):
    """Every ``every``-th product is a climber with its own lift on top of the rest's
    adjustments (as a best seller's popularity): the others are bounded by the largest
    of theirs, each climber by its own score."""
    order = list(range(1000, 1000 + n))
    adjustments = {pk: min(picks[i % len(picks)], Decimal("0.15")) for i, pk in enumerate(order)}
    climbing = {}
    for i, pk in enumerate(order):
        if i % every == 0:
            climbing[pk] = Decimal(lifts[i % len(lifts)])
            adjustments[pk] += climbing[pk]
    rest = max((adjustments[pk] for pk in order if pk not in climbing), default=Decimal(0))
    rest = max(rest, max((adjustments[pk] - climbing[pk] for pk in climbing), default=rest))
    climbers = sorted(
        ((n - i + n * adjustments[pk], i) for i, pk in enumerate(order) if pk in climbing),
        reverse=True,
    )
    expected = _full(order, adjustments)
    read, asked = _counting(adjustments, sparse=sparse)
    head = HeadOrder(
        order,
        read=read,
        upper=lambda place: n - place + n * max(rest, Decimal(0)),
        climbers=climbers,
    )
    for start in range(0, n + page, page):
        assert head[start : start + page] == expected[start : start + page]
    assert list(head) == expected
    assert len(asked) == len(set(asked)) == n  # each product read once
