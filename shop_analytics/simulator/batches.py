"""The backfill hot path: events encoded and counted a list at a time.

Per event the generic loop pays for a Python loop turn, a tuple, an append and a count;
here the engine hands over lists of events (``Simulation.event_chunks``), one
comprehension encodes a list and ``Counter.update`` counts it in C. A batch is three
parallel lists (topics, keys, Avro frames), which also pickle for the two-process
pipeline in a third of the time a list of tuples takes. Live runs (paced) and runs with
fault injection keep the per-event loop.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from operator import itemgetter
from typing import Any

from shop_analytics.simulator.engine import CHUNK
from shop_analytics.simulator.events import Event

BATCH = 4_096

Batch = tuple[list[str], list[str], list[bytes], int]  # topics, keys, frames, event time of the last


def chunked(events: Iterable[Event], size: int = CHUNK) -> Iterator[list[Event]]:
    """``events`` in lists of ``size`` (the last one shorter), e.g. the reference snapshot."""
    it = iter(events)
    return iter(lambda: list(islice(it, size)), [])


def encode_batches(
    chunks: Iterable[list[Event]],
    serializers: dict[str, Callable[[dict[str, Any]], bytes]],
    counts: Counter[tuple[str, str]],
    limit: int | None = None,
    size: int = BATCH,
) -> Iterator[Batch]:
    """Batches of ``size`` or more encoded events (at most ``limit`` in all); counts (topic, event type).

    ``chunks`` are short lists (``CHUNK`` events): their records are dropped once encoded,
    so the working set stays in the CPU caches (holding a whole batch of dicts costs more
    than the loop saves).
    """
    topic_of, key_of, record_of, type_of = itemgetter(0), itemgetter(1), itemgetter(2), itemgetter("event_type")
    remaining = limit if limit is not None else -1
    topics: list[str] = []
    keys: list[str] = []
    values: list[bytes] = []
    last_time = 0
    for chunk in chunks:
        if not remaining:
            break
        if remaining > 0:
            if remaining < len(chunk):
                chunk = chunk[:remaining]
            remaining -= len(chunk)
        chunk_topics = list(map(topic_of, chunk))
        values += [serializers[topic](record) for topic, _, record in chunk]
        counts.update(zip(chunk_topics, map(type_of, map(record_of, chunk)), strict=True))
        topics += chunk_topics
        keys += map(key_of, chunk)
        if len(topics) >= size:
            yield topics, keys, values, chunk[-1][2]["event_time"]
            topics, keys, values = [], [], []
        else:
            last_time = chunk[-1][2]["event_time"]
    if topics:
        yield topics, keys, values, last_time
