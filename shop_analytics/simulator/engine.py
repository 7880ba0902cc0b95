"""The discrete-event engine that turns the world and its behaviour into a stream of events.

Processes (sessions, store days, order lifecycles, restocks) are generators: the engine
resumes one at the time it asked for, the process emits events and yields the absolute
time (epoch ms) of its next step. A heap orders the processes, so events come out in
event-time order and stock is always checked in the order things happen. Only the steps
of the current window (``WINDOW_MS``) are in the heap; later ones wait in per-window
lists, so the heap stays a few dozen deep (most processes are sessions planned hours
ahead, and orders waiting days to ship) and the order is exactly (time, spawn sequence). All randomness
comes from the seeded ``random.Random`` and numpy ``Generator`` here: same seed, same
start, same events.
"""

from __future__ import annotations

import random
from collections.abc import Generator, Iterator
from heapq import heapify, heappop, heappush, heapreplace
from itertools import chain, count
from typing import Any

import numpy as np

from shop_analytics.simulator import reference
from shop_analytics.simulator.arrivals import daily_arrivals
from shop_analytics.simulator.events import Event
from shop_analytics.simulator.ids import Ids
from shop_analytics.simulator.inventory import StockLedger, restock_process
from shop_analytics.simulator.promotions import DayPromotions, promotions_on
from shop_analytics.simulator.seasonality import DAY_MS, LocalClock
from shop_analytics.simulator.store_sales import store_process
from shop_analytics.simulator.world import World

Process = Generator[int, None, None]
Entry = tuple[int, int, Process]  # (time, spawn sequence, process)

WINDOW_MS = 300_000
CHUNK = 64  # events per list handed over by ``event_chunks``
NEVER = 2**63  # the end of a run without one (live), later than any epoch-ms time


class Simulation:
    """Shared state of one run; behaviour modules read and change it through this object."""

    def __init__(self, world: World, start_ms: int, end_ms: int | None, seed: int, *, reference_snapshot: bool = True):
        if end_ms is not None and end_ms <= start_ms:
            raise ValueError(f"end_ms ({end_ms}) must be after start_ms ({start_ms})")
        self.world = world
        self.start_ms = start_ms
        self.end_ms = end_ms
        self.now = start_ms
        self.rng = random.Random(seed * 7919 + 17)
        self.np_rng = np.random.default_rng(seed)
        self.ids = Ids(seed, start_ms)
        self.clock = LocalClock()
        self.stock = StockLedger(world)
        self.reference_snapshot = reference_snapshot
        self.shared: dict[str, Any] = {}  # per-run caches of the behaviour modules
        n = len(world.customers)
        # mutable per-customer state, as arrays for the daily vectorised arrival draws
        cycles = np.array([c.purchase_cycle_days for c in world.customers])
        self.last_purchase_ms = start_ms - (self.np_rng.random(n) * cycles * DAY_MS).astype(np.int64)
        self._heap: list[Entry] = []  # steps before _horizon
        self._later: dict[int, list[Entry]] = {}  # steps from _horizon on, by window
        self._windows: list[int] = []  # heap of the keys of _later
        self._horizon = 0
        self._seq = count()
        self._out: list[Event] = []
        self.emit = self._out.append  # processes call this once per event
        self._promos: dict[int, DayPromotions] = {}

    # -- used by processes -------------------------------------------------------------
    def spawn(self, at_ms: int, process: Process) -> None:
        """Start ``process`` at ``at_ms`` (its body up to the first ``yield`` runs then)."""
        at = at_ms if at_ms > self.now else self.now
        if at < self._horizon:
            heappush(self._heap, (at, next(self._seq), process))
        else:
            self._defer((at, next(self._seq), process))

    def _defer(self, entry: Entry) -> None:
        window = entry[0] // WINDOW_MS
        waiting = self._later.get(window)
        if waiting is None:
            self._later[window] = [entry]
            heappush(self._windows, window)
        else:
            waiting.append(entry)

    def promotions(self, ms: int) -> DayPromotions:
        day = ms - ms % DAY_MS
        promos = self._promos.get(day)
        if promos is None:
            promos = self._promos[day] = promotions_on(self.world.promotions, day)
        return promos

    # -- the loop ------------------------------------------------------------------------
    def events(self) -> Iterator[Event]:
        """All events from ``start_ms`` up to ``end_ms`` (forever if None), in event-time order."""
        if self.reference_snapshot:
            yield from reference.snapshot(self)
        yield from chain.from_iterable(self.event_chunks())

    def event_chunks(self, size: int = CHUNK) -> Iterator[list[Event]]:
        """The events of ``events()`` after the reference snapshot, in lists of ``size`` or more.

        The loop hands over a list per ``size`` events rather than one event per step, which
        saves a generator switch per event on the hot path. The engine runs at most a list
        ahead of its consumer; nothing it does depends on what the consumer has seen.
        """
        self.spawn(self.start_ms, daily_arrivals(self))
        for store in self.world.stores:
            self.spawn(self.start_ms, store_process(self, store))
        for location in self.world.locations:
            self.spawn(self.start_ms, restock_process(self, location))

        heap, out, seq, defer = self._heap, self._out, self._seq, self._defer
        end = self.end_ms if self.end_ms is not None else NEVER  # one comparison per step
        horizon = self._horizon
        while True:
            if not heap:  # the window is done: the next one with steps in it
                if not self._windows:
                    break
                window = heappop(self._windows)
                heap += self._later.pop(window)
                heapify(heap)
                horizon = self._horizon = (window + 1) * WINDOW_MS
            t, _, process = heap[0]
            if t >= end:
                break
            self.now = t
            try:
                next_t = next(process)
            except StopIteration:
                heappop(heap)
            else:
                if next_t < horizon:
                    heapreplace(heap, (next_t if next_t > t else t, next(seq), process))
                else:
                    heappop(heap)
                    defer((next_t, next(seq), process))
            if len(out) >= size:
                yield out.copy()  # processes hold ``emit``: the list itself stays
                out.clear()
        if out:
            yield out.copy()
            out.clear()

    @property
    def pending_processes(self) -> int:
        return len(self._heap) + sum(map(len, self._later.values()))
