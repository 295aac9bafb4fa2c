"""The first places of a ranking that bounded adjustments reorder, read chunk by chunk.

Merchandising (``placing.apply``) moves a ranking of n products: the product at place
i (0 first) scores ``(n - i) + n * adjustment`` and the highest score shows first, ties
in the ranking's order. No adjustment passes a known ceiling, so a product at place j
or later scores at most ``(n - j) + n * ceiling``; once that many products read from
the top score at least as much as the unread ones can, no unread product can come
before them. ``HeadOrder`` reads adjustments a chunk at a time and stops there, so a
page costs the head that can still reach it, not the whole ranking.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from decimal import ROUND_CEILING, Decimal
from itertools import chain, islice

Reader = Callable[[Sequence[int]], Mapping[int, Decimal]]
Ceiling = Callable[[int], Decimal]

# The first read: a few pages' worth, since a page needs at least its own products.
FIRST_CHUNK = 32


class HeadOrder(Sequence[int]):
    """``order`` (ids, best first) in its adjusted order, read only as far as asked.

    ``read(ids)``: the adjustments of those ids (one left out has none). ``ceiling(place)``:
    no product at ``place`` or later has a larger adjustment (never rising with ``place``).
    """

    def __init__(self, order: Sequence[int], *, read: Reader, ceiling: Ceiling) -> None:
        self._order = order
        self._read = read
        self._ceiling = ceiling
        self._n = len(order)
        self.read_count = 0  # places read so far
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
            end = self._next_end(stop)
            chunk = self._order[self.read_count : end]
            adjustments = self._read(chunk)
            n = self._n
            for place, pk in enumerate(chunk, start=self.read_count):
                adjustment = adjustments.get(pk)
                if adjustment is None:
                    self._unmoved.append((place - n, place, pk))
                else:
                    heapq.heappush(self._moved, (place - n - n * adjustment, place, pk))
            self.read_count = end
            self._settle()

    def _bound(self) -> Decimal | None:
        """The most an unread product can score; None when all are read."""
        if self.read_count >= self._n:
            return None
        return self._n - self.read_count + self._n * self._ceiling(self.read_count)

    def _settle(self) -> None:
        bound = self._bound()
        unmoved, moved = self._unmoved, self._moved
        while unmoved or moved:
            from_unmoved = not moved or (unmoved and unmoved[0] < moved[0])
            best = unmoved[0] if from_unmoved else moved[0]
            # A tie with the bound is final too: the unread one is later in the ranking.
            if bound is not None and -best[0] < bound:
                return
            if from_unmoved:
                unmoved.popleft()
            else:
                heapq.heappop(moved)
            self._placed.append(best[2])

    def _next_end(self, stop: int) -> int:
        """Where the next chunk ends: where the unread could no longer beat the product now
        at place ``stop``, as things stand (its score only rises as more are read). At
        first that is the page and the climb the ceiling allows, from the top: every
        query costs a round trip, a product read in vain only its row."""
        done, n = self.read_count, self._n
        if not done:
            climb = n * self._ceiling(0)
            return min(n, max(FIRST_CHUNK, 2 * stop) + max(_ceil(climb), 0))
        missing = stop - len(self._placed)
        contenders = heapq.nsmallest(missing, chain(islice(self._unmoved, missing), self._moved))
        if len(contenders) < missing:  # too few read: at least the page again
            return min(n, done + 2 * missing)
        score = -contenders[-1][0]
        return min(n, max(done + missing, _ceil(n + n * self._ceiling(done) - score)))


def _ceil(value: Decimal) -> int:
    return int(Decimal(value).to_integral_value(rounding=ROUND_CEILING))
