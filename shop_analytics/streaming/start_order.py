"""Query starts one at a time, in an order the caller sets.

A Spark Connect server starts a Python worker for each query's batch function inside
``start()``; on two busy cores several starting at once miss the worker's connect-back
deadline, so bronze starts its queries one after another. A plain lock lets the waiting
threads through in whatever order the scheduler picks, and a run's largest backlog could
start last, tens of seconds after the first: the freshness bench saw its first clickstream
row anywhere from 41 to 81 s after the simulator started. ``StartOrder`` hands out turns in
the caller's order (the largest backlog first) instead.

Both are per process. Runs that overlap (the sensor requests the next run while the last one's
queries start) share the server too: ``held_file_lock`` makes their starts take turns through
a lock file beside the checkpoints.
"""

from __future__ import annotations

import fcntl
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path


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


@contextmanager
def held_file_lock(path: Path | None) -> Iterator[None]:
    """Hold an exclusive lock on the file at ``path`` (made if missing) for the block; waits
    while another process holds it. None: no lock (a checkpoint that is not a local folder).

    An OS lock (flock), so a process that dies holding it frees it.
    """
    if path is None:
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
