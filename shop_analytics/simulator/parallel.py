"""Two-process pipeline: a child generates and encodes, the parent produces to Kafka.

The simulation is one sequential event loop, so it cannot be split without changing its
events; what can run beside it is the producing. The child process runs the engine, the
fault injector and the compiled Avro encoder, and ships batches of ready frames through
a pipe; the parent hands them to librdkafka and serves delivery reports. On two cores
that keeps the generator busy full time. The events are exactly those of the
single-process path (same seed, same bytes, same order). POSIX only (fork); elsewhere
set ``parallel=False``.
"""

from __future__ import annotations

import gc
import multiprocessing as mp
import pickle
import signal
import time
import traceback
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import chain
from multiprocessing.connection import Connection
from typing import Any

from shop_analytics.simulator.batches import BATCH, chunked, encode_batches
from shop_analytics.simulator.config import SimulationConfig
from shop_analytics.simulator.events import Event
from shop_analytics.simulator.faults import FaultInjector, ManifestEntry
from shop_analytics.simulator.producer import Sink, produce_all

LIVE_BATCH_S = 0.05  # live runs ship at least every 50 ms, so pacing survives the batching


@dataclass
class ChildResult:
    counts: dict[tuple[str, str], int] = field(default_factory=dict)
    fault_counts: dict[str, int] = field(default_factory=dict)
    entries: list[ManifestEntry] = field(default_factory=list)


def run_in_child(
    config: SimulationConfig,
    schema_ids: dict[str, int],
    sink: Sink,
    should_stop: Any,
    progress: Any,
    result: ChildResult,
) -> float:
    """Run the generator in a child process and produce what it sends into ``sink``.

    Fills ``result`` as batches arrive (so an interrupted run still knows its injected
    faults) and returns the ``perf_counter`` time at which the child was ready.
    """
    # fork: spawn would re-import the caller's __main__ (scripts, notebooks). The child
    # freezes what it inherited and never touches the parent's Kafka clients.
    ctx = mp.get_context("fork")
    receiver, sender = ctx.Pipe(duplex=False)
    stop_event = ctx.Event()
    child = ctx.Process(
        target=_child_main, args=(config, schema_ids, sender, stop_event), name="shop-simulator-generator", daemon=True
    )
    child.start()
    sender.close()
    try:
        _expect(receiver, "ready")
        started = time.perf_counter()
        tracked = sink.produce_tracked
        loads, recv = pickle.loads, receiver.recv_bytes
        while True:
            message = loads(recv())
            if message[0] == "batch":
                _, topics, keys, values, entries, n, last_time = message
                if not entries:
                    produce_all(sink, topics, keys, values)
                else:  # injected faults among them: in order, the tracked ones with their entry
                    start = 0
                    for i, entry in entries:
                        produce_all(sink, topics[start:i], keys[start:i], values[start:i])
                        tracked(topics[i], keys[i], values[i], entry)
                        result.entries.append(entry)
                        start = i + 1
                    produce_all(sink, topics[start:], keys[start:], values[start:])
                if progress is not None:
                    progress(n, last_time)
                if should_stop():
                    stop_event.set()
            elif message[0] == "done":
                _, result.counts, result.fault_counts = message
                break
            else:
                raise RuntimeError(f"the generator process failed:\n{message[1]}")
        return started
    except BaseException:
        stop_event.set()
        raise
    finally:
        child.join(timeout=10)
        if child.is_alive():
            child.terminate()
            child.join(timeout=5)
        receiver.close()


def _expect(receiver: Connection, kind: str) -> None:
    message = pickle.loads(receiver.recv_bytes())
    if message[0] == "error":
        raise RuntimeError(f"the generator process failed:\n{message[1]}")
    if message[0] != kind:
        raise RuntimeError(f"the generator process said {message[0]!r}, expected {kind!r}")


def _child_main(config: SimulationConfig, schema_ids: dict[str, int], sender: Connection, stop_event: Any) -> None:
    gc.freeze()  # inherited objects (librdkafka handles among them) are never collected here
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    try:
        _generate(config, schema_ids, sender, stop_event)
    except BaseException:
        sender.send_bytes(pickle.dumps(("error", traceback.format_exc())))
    finally:
        sender.close()


def _generate(config: SimulationConfig, schema_ids: dict[str, int], sender: Connection, stop_event: Any) -> None:
    from shop_analytics.simulator import reference
    from shop_analytics.simulator.runner import make_injector, paced_stream, prepare
    from shop_analytics.simulator.serialization import fast_serializers

    prepared = prepare(config)
    sim = prepared.sim
    gc.freeze()  # the world is long-lived: keep the collector from rescanning it
    serializers = fast_serializers(prepared.specs, schema_ids)
    injector = make_injector(config, sim, prepared.specs)
    send = sender.send_bytes
    send(pickle.dumps(("ready",)))

    snapshot: Iterator[Event] = reference.snapshot(sim) if config.reference_snapshot else iter(())
    counts: Counter[tuple[str, str]] = Counter()
    dumps, protocol = pickle.dumps, pickle.HIGHEST_PROTOCOL
    if injector is None and config.rate is None:  # backfill without faults: the batched hot path
        n = 0
        chunks = chain(chunked(snapshot), sim.event_chunks())
        for topics, keys, values, last_time in encode_batches(chunks, serializers, counts, config.max_events):
            n += len(topics)
            send(dumps(("batch", topics, keys, values, (), n, last_time), protocol))
            if stop_event.is_set():
                break
        send(dumps(("done", counts, {})))
        return
    stream = chain(snapshot, paced_stream(config, sim.events(), stop_event.is_set))
    _generate_each(config, stream, serializers, injector, counts, send, stop_event)


def _generate_each(
    config: SimulationConfig,
    stream: Iterator[Event],
    serializers: dict[str, Any],
    injector: FaultInjector | None,
    counts: Counter[tuple[str, str]],
    send: Any,
    stop_event: Any,
) -> None:
    """One event at a time: live runs ship at least every ``LIVE_BATCH_S``; faults go in between."""
    limit = config.max_events if config.max_events is not None else -1
    live = config.rate is not None
    topics: list[str] = []
    keys: list[str] = []
    values: list[bytes] = []
    entries: list[tuple[int, ManifestEntry]] = []
    n = 0
    last_time = 0
    shipped_at = time.monotonic()

    def add(topic: str, key: str, value: bytes, entry: ManifestEntry | None) -> None:
        if entry is not None:
            entries.append((len(topics), entry))
        topics.append(topic)
        keys.append(key)
        values.append(value)

    def ship() -> None:
        send(pickle.dumps(("batch", topics, keys, values, entries, n, last_time), pickle.HIGHEST_PROTOCOL))
        for batch in (topics, keys, values, entries):
            batch.clear()

    for topic, key, record in stream:
        if injector is None:
            add(topic, key, serializers[topic](record), None)
        else:
            entry = injector.retime(topic, key, record)
            encode = serializers[topic]
            value = encode(record)
            add(topic, key, value, entry)
            for item in injector.extras(topic, key, record, value, encode):
                add(item.topic, item.key, item.value, item.entry)
        k = (topic, record["event_type"])
        counts[k] += 1
        n += 1
        if len(topics) >= BATCH or (live and time.monotonic() - shipped_at > LIVE_BATCH_S):
            last_time = record["event_time"]
            ship()
            shipped_at = time.monotonic()
            if stop_event.is_set():
                break
        if n == limit:
            break
    if injector is not None:
        for item in injector.drain():
            add(item.topic, item.key, item.value, item.entry)
    ship()
    send(pickle.dumps(("done", counts, dict(injector.counts) if injector else {})))
