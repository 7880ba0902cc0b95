"""Query starts one at a time, in an order the caller sets.

A Spark Connect server starts a Python worker for each query's batch function inside
``start()``; on two busy cores several starting at once miss the worker's connect-back
deadline, so bronze starts its queries one after another. A plain lock lets the waiting
threads through in whatever order the scheduler picks, and a run's largest backlog could
start last, tens of seconds after the first: the freshness bench saw its first clickstream
row anywhere from 41 to 81 s after the simulator started. ``StartOrder`` hands out turns in
the caller's order (the largest backlog first) instead.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager


class StartOrder:
    """Turns for ``names``, one at a time, each after every name before it has had its turn."""

    def __init__(self, names: Sequence[str]) -> None:
        if len(set(names)) != len(names):
            raise ValueError(f"start order names must be unique: {list(names)}")
        self._position = {name: i for i, name in enumerate(names)}
        self._done = [False] * len(names)
        self._changed = threading.Condition()

    @contextmanager
    def turn(self, name: str) -> Iterator[None]:
        """Wait until the names before ``name`` are done, hold the turn for the block, then pass it on."""
        position = self._position_of(name)
        with self._changed:
            self._changed.wait_for(lambda: all(self._done[:position]))
        try:
            yield
        finally:
            self.done(name)

    def done(self, name: str) -> None:
        """Mark ``name``'s turn as had (or given up, by a caller that failed before asking for
        it, so the names after it are not kept waiting). Idempotent."""
        position = self._position_of(name)
        with self._changed:
            self._done[position] = True
            self._changed.notify_all()

    def _position_of(self, name: str) -> int:
        try:
            return self._position[name]
        except KeyError:
            raise ValueError(f"{name!r} has no place in the start order {list(self._position)}") from None
