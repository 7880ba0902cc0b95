"""Query starts one at a time, in an order the caller sets.

A Spark Connect server starts a Python worker for each query's batch function inside
``start()``; on two busy cores several starting at once miss the worker's connect-back
deadline, so bronze starts its queries one after another. A plain lock lets the waiting
threads through in whatever order the scheduler picks, and a run's largest backlog could
start last, tens of seconds after the first: the freshness bench saw its first clickstream
row anywhere from 41 to 81 s after the simulator started. ``StartOrder`` hands out turns in
the caller's order (the largest backlog first) instead.

Both are per process. Runs that overlap (the sensor requests the next run while the last
one's queries start) share the server too: ``StartQueue`` gives their starts turns across
processes, again the largest backlog first. Each waiting start leaves a ticket (a file named
by its process, holding its backlog) beside the checkpoints; a start waits while another
process holds a ticket with a larger backlog, then takes an OS lock for the start itself.
Before, a second run's small topic started between the first run's two largest, and the
clickstream's first rows came 24 s later.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from shop_analytics.platform.process import pid_alive, start_ticks


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


TICKET_SUFFIX = ".ticket"


@dataclass(frozen=True)
class StartQueue:
    """Turns for query starts of several processes, the largest backlog first (see the module).

    ``folder``: shared by the processes (beside the checkpoints). ``max_wait_s``: how long a
    start gives way to larger backlogs at most (a process that hangs does not hold the others
    up for longer); it then still takes the start lock, so starts stay one at a time.
    """

    folder: Path
    max_wait_s: float = 120.0
    poll_s: float = 0.1

    @contextmanager
    def ticket(self, backlog: int) -> Iterator[StartTicket]:
        """Queue a start with ``backlog`` records to read; the ticket is withdrawn on leaving."""
        self.folder.mkdir(parents=True, exist_ok=True)
        # Named by the process (pid and start time: a pid may be reused by the time another
        # process reads the ticket) and a unique part.
        started = start_ticks(os.getpid())
        owner = f"{os.getpid()}-{started}" if started is not None else str(os.getpid())
        path = self.folder / f"{owner}-{uuid.uuid4().hex}{TICKET_SUFFIX}"
        # Written aside and renamed, so another process never reads a half-written backlog.
        draft = path.with_suffix(".draft")
        draft.write_text(str(int(backlog)))
        os.replace(draft, path)
        try:
            yield StartTicket(self, path, int(backlog))
        finally:
            path.unlink(missing_ok=True)

    def larger_elsewhere(self, backlog: int) -> bool:
        """Whether another live process has a start waiting with more than ``backlog`` to read.

        Only other processes count: within one, ``StartOrder`` already orders the starts (by the
        same backlogs), and a ticket of the own process that waits for that order must not
        hold up the start that has the turn. Tickets of processes that died are removed.
        """
        for path in self.folder.glob(f"*{TICKET_SUFFIX}"):
            owner = _ticket_owner(path)
            if owner is None or owner[0] == os.getpid():
                continue
            if not _alive(*owner):
                path.unlink(missing_ok=True)
                continue
            try:
                if int(path.read_text() or 0) > backlog:
                    return True
            except (OSError, ValueError):  # withdrawn meanwhile
                continue
        return False


@dataclass(frozen=True)
class StartTicket:
    queue: StartQueue
    path: Path
    backlog: int

    @contextmanager
    def turn(self) -> Iterator[float]:
        """Hold the start lock once no other process waits with a larger backlog; yields the
        seconds waited for the turn.

        The lock is tried without blocking and given back while a larger backlog waits: a start
        blocked inside ``flock`` would take the lock the moment it frees, ahead of a larger
        backlog that queued after it. After ``max_wait_s`` the start waits for the lock alone.
        An OS lock (flock): a process that dies holding it frees it.
        """
        started = time.monotonic()
        deadline = started + self.queue.max_wait_s
        lock_path = self.queue.folder / ".query-starts.lock"
        with lock_path.open("a") as handle:
            while True:
                if time.monotonic() >= deadline:
                    fcntl.flock(handle, fcntl.LOCK_EX)
                    break
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    time.sleep(self.queue.poll_s)
                    continue
                if not self.queue.larger_elsewhere(self.backlog):
                    break
                fcntl.flock(handle, fcntl.LOCK_UN)
                time.sleep(self.queue.poll_s)
            try:
                yield time.monotonic() - started
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def _ticket_owner(path: Path) -> tuple[int, int | None] | None:
    """(pid, start time or None) of the process that wrote ``path``: ``<pid>-<start>-<id>``,
    or ``<pid>-<id>`` where the start time was unknown."""
    parts = path.name.removesuffix(TICKET_SUFFIX).split("-")
    if not parts[0].isdigit():
        return None
    start = int(parts[1]) if len(parts) == 3 and parts[1].isdigit() else None
    return int(parts[0]), start


def _alive(pid: int, start: int | None) -> bool:
    """Whether the process that wrote a ticket still runs: its pid, with its start time when
    the ticket has one (a dead run's pid given to a new process is not that run)."""
    if not pid_alive(pid):
        return False
    return start is None or start_ticks(pid) in (None, start)
