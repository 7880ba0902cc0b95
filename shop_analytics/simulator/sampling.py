"""Fast weighted draws: ``random.choices`` costs a list and a call per draw, this a bisect."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Sequence
from itertools import accumulate
from typing import Generic, TypeVar

T = TypeVar("T")


class Weighted(Generic[T]):
    """A fixed weighted distribution over ``items``; draw with a ``random.Random().random``."""

    __slots__ = ("_cum", "_items", "_last", "_total")

    def __init__(self, items: Sequence[T], weights: Sequence[float]) -> None:
        if len(items) != len(weights) or not items:
            raise ValueError("need as many weights as items, and at least one item")
        self._items = tuple(items)
        self._cum = list(accumulate(weights))
        self._total = self._cum[-1]
        self._last = len(self._items) - 1
        if self._total <= 0:
            raise ValueError("weights must add up to more than 0")

    def table(self) -> tuple[list[float], float, tuple[T, ...], int]:
        """(cumulative weights, total, items, last index): ``draw`` for a loop that inlines it."""
        return self._cum, self._total, self._items, self._last

    def draw(self, random: Callable[[], float]) -> T:
        i = bisect_right(self._cum, random() * self._total)
        return self._items[i if i <= self._last else self._last]
