"""The first places of a ranking that bounded adjustments reorder, read chunk by chunk.

Merchandising (``placing.apply``) moves a ranking of n products: the product at place
i (0 first) scores ``(n - i) + n * adjustment`` and the highest score shows first, ties
in the ranking's order. What a product at place j or later can score is bounded
(``upper(j)``, never rising with j: ``(n - j) + n * ceiling`` when no adjustment
passes a known ceiling), but for the few climbers whose own bound is known; once that
many products read from the top score at least as much as the unread ones can, no
unread product can come before them. ``HeadOrder`` reads adjustments a chunk at a time
and stops there, so a page costs the head that can still reach it, not the whole
ranking.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from itertools import chain, islice

Reader = Callable[[Sequence[int]], Mapping[int, Decimal]]
Upper = Callable[[int], Decimal]

# The first read: a few pages' worth, since a page needs at least its own products.
FIRST_CHUNK = 32


class HeadOrder(Sequence[int]):
    """``order`` (ids, best first) in its adjusted order, read only as far as asked.

    ``read(ids)``: the adjustments of those ids (one left out has none).
    ``upper(place)``: no product at ``place`` or later scores more (never rising) but
    the ``climbers``, (the most it can score, its place) each, best first: the few
    products known to be able to climb far (the ones that sold, the boosted ones). A
    climber is read out of the ranking's order as soon as it could beat what is being
    placed, so a best seller far down costs its own row, not every row above it.
    """

    def __init__(
        self,
        order: Sequence[int],
        *,
        read: Reader,
        upper: Upper,
        climbers: Sequence[tuple[Decimal, int]] = (),
    ) -> None:
        self._order = order
        self._read = read
        self._n = len(order)
        self._upper = upper
        self._climbers = climbers
        self._next_climber = 0  # climbers before it are read
        self._read_ahead: set[int] = set()  # places read out of order
        self.read_count = 0  # places read in order so far
        # Read, not yet final, as (-score, place, id): the unmoved in their order (their
        # score is their place's), the moved in a heap.
        self._unmoved: deque[tuple[int, int, int]] = deque()
        self._moved: list[tuple[Decimal, int, int]] = []
        self._placed: list[int] = []  # final: no unread product can come before them

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, index):  # noqa: ANN001, ANN204 (Sequence's signature)
        if isinstance(index, int):
            place = index + self._n if index < 0 else index
            if not 0 <= place < self._n:
                raise IndexError(index)
            return self[place : place + 1][0]
        start, stop, step = index.indices(self._n)
        self._reach(stop if step > 0 else self._n)
        return self._placed[start:stop:step]

    def _reach(self, stop: int) -> None:
        """Read until the first ``stop`` places are final."""
        while len(self._placed) < stop and self.read_count < self._n:
            end, score = self._next_end(stop)
            places = [p for p in range(self.read_count, end) if p not in self._read_ahead]
            # Climbers past the chunk that could beat ``score``, best first: as many as
            # the page still misses, twice over (the bound keeps the rest in check;
            # thousands can pass ``score`` when a boost lifts a fifth of the ranking).
            ahead: list[int] = []
            room = max(FIRST_CHUNK, 2 * (stop - len(self._placed)))
            for beats, place in self._unread_climbers():
                if beats <= score or len(ahead) >= room:
                    break
                if place >= end:
                    ahead.append(place)
            adjustments = self._read([self._order[p] for p in (*places, *ahead)])
            n = self._n
            for place in places:
                pk = self._order[place]
                adjustment = adjustments.get(pk)
                if adjustment is None:
                    self._unmoved.append((place - n, place, pk))
                else:
                    heapq.heappush(self._moved, (place - n - n * adjustment, place, pk))
            for place in ahead:  # out of order: only the heap keeps them sorted
                pk = self._order[place]
                adjustment = adjustments.get(pk) or 0
                heapq.heappush(self._moved, (place - n - n * adjustment, place, pk))
                self._read_ahead.add(place)
            self.read_count = end
            self._settle()

    def _unread_climbers(self):  # noqa: ANN202 (a generator of (score, place))
        """The climbers not read yet, best first."""
        climbers = self._climbers
        while self._next_climber < len(climbers) and self._is_read(climbers[self._next_climber][1]):
            self._next_climber += 1
        for beats, place in islice(climbers, self._next_climber, None):
            if not self._is_read(place):
                yield beats, place

    def _is_read(self, place: int) -> bool:
        return place < self.read_count or place in self._read_ahead

    def _bound(self) -> Decimal | None:
        """The most an unread product can score; None when all are read."""
        if self.read_count >= self._n:
            return None
        best = next(self._unread_climbers(), None)
        bound = self._upper(self.read_count)
        return bound if best is None else max(bound, best[0])

    def _first_place_at_most(self, score: Decimal, start: int) -> int:
        """The first place from ``start`` from which no product can score more than
        ``score`` (``upper`` never rises, so a binary search finds it); n if none."""
        low, high = start, self._n
        while low < high:
            middle = (low + high) // 2
            if self._upper(middle) <= score:
                high = middle
            else:
                low = middle + 1
        return low

    def _settle(self) -> None:
        bound = self._bound()
        unmoved, moved = self._unmoved, self._moved
        while unmoved or moved:
            from_unmoved = not moved or (unmoved and unmoved[0] < moved[0])
            best = unmoved[0] if from_unmoved else moved[0]
            # A tie with the bound is final too when the unread are all later in the
            # ranking (not for a climber read ahead of them).
            if bound is not None and (
                -best[0] < bound or (-best[0] == bound and best[1] >= self.read_count)
            ):
                return
            if from_unmoved:
                unmoved.popleft()
            else:
                heapq.heappop(moved)
            self._placed.append(best[2])

    def _next_end(self, stop: int) -> tuple[int, Decimal]:
        """Where the next chunk ends, and the score an unread product must beat to
        matter (the climbers above it are read with the chunk): where the unread could
        no longer beat the product now at place ``stop``, as things stand (its score
        only rises as more are read). At first that is the page and the climb the
        bound allows, from the top: every query costs a round trip, a product read in
        vain only its row."""
        done, n = self.read_count, self._n
        if not done:
            # The unmoved product at ``base`` scores n - base: read until none can beat it.
            base = min(n, max(FIRST_CHUNK, 2 * stop))
            score = Decimal(n - base)
            return max(base, self._first_place_at_most(score, base)), score
        missing = stop - len(self._placed)
        contenders = heapq.nsmallest(missing, chain(islice(self._unmoved, missing), self._moved))
        if len(contenders) < missing:  # too few read: at least the page again
            end = min(n, done + 2 * missing)
            return end, self._upper(end) if end < n else Decimal("-Infinity")
        score = -contenders[-1][0]
        return self._first_place_at_most(score, min(n, done + missing)), score
