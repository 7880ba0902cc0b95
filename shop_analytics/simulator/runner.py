"""Run a simulation end to end: world -> events -> faults -> Avro -> Kafka, with a summary.

``run_simulation(config)`` is the one entry point for the CLI, the orchestrator and the
tests. ``simulation_events(config)`` gives the clean event stream without any I/O.
"""

from __future__ import annotations

import gc
import logging
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from itertools import chain

from shop_analytics.schemas import DEAD_LETTER_TOPIC, TopicSpec, event_topics
from shop_analytics.simulator import reference
from shop_analytics.simulator.admin import ensure_topics
from shop_analytics.simulator.batches import chunked, encode_batches
from shop_analytics.simulator.config import SimulationConfig
from shop_analytics.simulator.engine import Simulation
from shop_analytics.simulator.events import Event
from shop_analytics.simulator.faults import FaultInjector, ManifestEntry, write_manifest
from shop_analytics.simulator.pacing import RatePlan, paced
from shop_analytics.simulator.parallel import ChildResult, run_in_child
from shop_analytics.simulator.producer import KafkaSink, MemorySink, Sink, produce_all
from shop_analytics.simulator.registry import register_topics, registry_client
from shop_analytics.simulator.serialization import ValueSerializer, build_serializers, fast_serializers
from shop_analytics.simulator.signals import StopFlag, stop_on_signals
from shop_analytics.simulator.summary import SimulationSummary
from shop_analytics.simulator.world import DAY_MS, build_world, today_utc_ms

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]  # (events so far, event time in ms of the latest)
PROGRESS_EVERY = 10_000


@dataclass(frozen=True)
class _Prepared:
    sim: Simulation
    specs: tuple[TopicSpec, ...]


def window(config: SimulationConfig) -> tuple[int, int | None]:
    """(start_ms, end_ms) of simulated time; live runs start now and have no end."""
    if config.days is not None:
        end = config.end_ms if config.end_ms is not None else today_utc_ms()
        return end - int(config.days * DAY_MS), end
    return time.time_ns() // 1_000_000, None


def prepare(config: SimulationConfig) -> _Prepared:
    start, end = window(config)
    anchor = end if end is not None else start
    world = build_world(config.seed, anchor, config.world)
    sim = Simulation(world, start, end, config.seed, reference_snapshot=False)
    return _Prepared(sim, event_topics())


def _prefixed(config: SimulationConfig, specs: tuple[TopicSpec, ...]) -> tuple[TopicSpec, ...]:
    if not config.topic_prefix:
        return specs
    return tuple(replace(spec, name=config.topic_prefix + spec.name) for spec in specs)


def simulation_events(config: SimulationConfig) -> Iterator[Event]:
    """The clean events of a backfill config, reference snapshot first, without Kafka."""
    if config.days is None:
        raise ValueError("simulation_events is for backfill configs; live runs go through run_simulation")
    prepared = prepare(config)
    if config.reference_snapshot:
        yield from reference.snapshot(prepared.sim)
    yield from prepared.sim.events()


def run_simulation(
    config: SimulationConfig, *, sink: Sink | None = None, progress: Progress | None = None
) -> SimulationSummary:
    """Generate and send events as configured; returns what happened.

    Without ``sink``: topics are created, schemas registered (BACKWARD) and events sent to
    Kafka, or, with ``dry_run``, serialized into a counting in-memory sink.
    """
    start, end = window(config)
    if end is not None:
        config = replace(config, end_ms=end)  # the child process must see the same window
    specs = event_topics()
    use_child = config.parallel and sink is None and not config.dry_run and config.serializer == "fast"
    summary = SimulationSummary(config.mode, config.seed, start, end)
    serializers = _connect(config, _prefixed(config, specs), summary)
    if config.topic_prefix:
        # events carry the catalog's topic names: route them to the prefixed copies
        sink = _PrefixedSink(sink or _default_sink(config), config.topic_prefix)
        serializers = {name[len(config.topic_prefix) :]: s for name, s in serializers.items()}
    if sink is None:
        sink = _default_sink(config)

    flag = StopFlag()
    counts: Counter[tuple[str, str]] = Counter()
    child = ChildResult()
    injector: FaultInjector | None = None
    started = time.perf_counter()
    with stop_on_signals(flag):
        try:
            if use_child:
                started = run_in_child(
                    config, _catalog_ids(config, summary.schema_ids), sink, lambda: bool(flag), progress, child
                )
            else:
                sim = prepare(config).sim
                gc.freeze()  # the world is long-lived: keep the collector from rescanning it
                started = time.perf_counter()
                injector = make_injector(config, sim, specs)
                snapshot = reference.snapshot(sim) if config.reference_snapshot else iter(())
                if injector is None and config.rate is None:
                    chunks = chain(chunked(snapshot), sim.event_chunks())
                    _pump_batches(chunks, serializers, sink, counts, flag, progress, config.max_events)
                else:
                    n = _pump(snapshot, serializers, sink, injector, counts, flag, progress, config.max_events, 0)
                    stream = paced_stream(config, sim.events(), lambda: bool(flag))
                    _pump(stream, serializers, sink, injector, counts, flag, progress, config.max_events, n)
        except KeyboardInterrupt:
            flag.stop("SIGINT")
        finally:
            if injector is not None:  # duplicates still waiting go out too: the manifest lists them
                for item in injector.drain():
                    assert item.entry is not None
                    sink.produce_tracked(item.topic, item.key, item.value, item.entry)
            summary.undelivered = sink.flush(120.0)
            summary.elapsed_s = time.perf_counter() - started
            gc.unfreeze()
    if use_child:
        counts = child.counts
        entries, fault_counts = child.entries, child.fault_counts
    else:
        entries = injector.entries if injector is not None else []
        fault_counts = dict(injector.counts) if injector is not None else {}
    _fill(summary, counts, sink, flag, config.topic_prefix)
    if config.faults.enabled and config.manifest_path:
        summary.faults = fault_counts
        summary.manifest_path = str(write_manifest(config.manifest_path, entries))
    sink.close()
    return summary


def make_injector(config: SimulationConfig, sim: Simulation, specs: tuple[TopicSpec, ...]) -> FaultInjector | None:
    """The fault injector of a run (None when no rate is set); event topics only."""
    if not config.faults.enabled:
        return None
    future_base = sim.end_ms + DAY_MS if sim.end_ms is not None else None
    return FaultInjector(
        config.faults,
        config.seed,
        sim.ids.namespace,
        wall_clock_ms=(lambda: future_base) if future_base is not None else None,
        topics=frozenset(spec.name for spec in specs if not spec.reference),
    )


def paced_stream(config: SimulationConfig, events: Iterator[Event], should_stop: Callable[[], bool]) -> Iterator[Event]:
    """Live runs release events at the configured rate; backfills as fast as they come."""
    if config.rate is None:
        return events
    return paced(events, RatePlan(config.rate, bursty=config.bursty), config.duration_s, should_stop=should_stop)


def _catalog_ids(config: SimulationConfig, schema_ids: dict[str, int]) -> dict[str, int]:
    """Schema ids by catalog topic name (the registry saw the prefixed names)."""
    n = len(config.topic_prefix)
    return {name[n:]: schema_id for name, schema_id in schema_ids.items()}


def _default_sink(config: SimulationConfig) -> Sink:
    return MemorySink(keep=False) if config.dry_run else KafkaSink(config.bootstrap, config.producer)


class _PrefixedSink:
    """Sends to ``prefix + topic``."""

    def __init__(self, inner: Sink, prefix: str) -> None:
        self.inner, self.prefix = inner, prefix
        self.stats = inner.stats
        self._names: dict[str, str] = {}

    def _name(self, topic: str) -> str:
        name = self._names.get(topic)
        if name is None:
            name = self._names[topic] = self.prefix + topic
        return name

    def produce(self, topic: str, key: str, value: bytes) -> None:
        self.inner.produce(self._name(topic), key, value)

    def produce_tracked(self, topic: str, key: str, value: bytes, entry: ManifestEntry) -> None:
        entry.topic = self._name(topic)
        self.inner.produce_tracked(self._name(topic), key, value, entry)

    def produce_many(self, topics: list[str], keys: list[str], values: list[bytes]) -> None:
        names = self._names
        try:
            prefixed = [names[topic] for topic in topics]
        except KeyError:
            prefixed = [self._name(topic) for topic in topics]
        produce_all(self.inner, prefixed, keys, values)

    def flush(self, timeout_s: float = 60.0) -> int:
        return self.inner.flush(timeout_s)

    def close(self) -> None:
        self.inner.close()


def _connect(
    config: SimulationConfig, specs: tuple[TopicSpec, ...], summary: SimulationSummary
) -> dict[str, ValueSerializer]:
    if config.dry_run:
        return fast_serializers(specs, {spec.name: 0 for spec in specs})
    if config.create_topics:
        # the dead-letter topic too, for consumers to route to (its writers register its schema)
        dead_letter = replace(DEAD_LETTER_TOPIC, name=config.topic_prefix + DEAD_LETTER_TOPIC.name)
        summary.topics = ensure_topics(config.bootstrap, (*specs, dead_letter))
    assert config.schema_registry_url is not None
    client = registry_client(config.schema_registry_url)
    summary.schema_ids = register_topics(client, specs)
    return build_serializers(config.serializer, specs, summary.schema_ids, client)


def _pump_batches(
    chunks: Iterator[list[Event]],
    serializers: dict[str, ValueSerializer],
    sink: Sink,
    counts: Counter[tuple[str, str]],
    flag: StopFlag,
    progress: Progress | None,
    max_events: int | None,
) -> int:
    """The backfill hot loop without fault injection: a batch at a time. Returns the event count."""
    n = 0
    for topics, keys, values, last_time in encode_batches(chunks, serializers, counts, max_events):
        produce_all(sink, topics, keys, values)
        n += len(topics)
        if progress is not None:
            progress(n, last_time)
        if flag:
            break
    return n


def _pump(
    events: Iterator[Event],
    serializers: dict[str, ValueSerializer],
    sink: Sink,
    injector: FaultInjector | None,
    counts: dict[tuple[str, str], int],
    flag: StopFlag,
    progress: Progress | None,
    max_events: int | None,
    n: int,
) -> int:
    """Serialize and send; the hot loop. Returns the running event count."""
    limit = max_events if max_events is not None else -1
    if n == limit:
        return n
    produce = sink.produce
    get = counts.get
    check_every = PROGRESS_EVERY
    if injector is None:
        for topic, key, record in events:
            produce(topic, key, serializers[topic](record))
            k = (topic, record["event_type"])
            counts[k] = get(k, 0) + 1
            n += 1
            if n % check_every == 0:
                if progress is not None:
                    progress(n, record["event_time"])
                if flag:
                    break
            if n == limit:
                break
        return n
    retime, extras, tracked = injector.retime, injector.extras, sink.produce_tracked
    for topic, key, record in events:
        entry = retime(topic, key, record)
        encode = serializers[topic]
        value = encode(record)
        if entry is None:
            produce(topic, key, value)
        else:
            tracked(topic, key, value, entry)
        for item in extras(topic, key, record, value, encode):
            assert item.entry is not None
            tracked(item.topic, item.key, item.value, item.entry)
        k = (topic, record["event_type"])
        counts[k] = get(k, 0) + 1
        n += 1
        if n % check_every == 0:
            if progress is not None:
                progress(n, record["event_time"])
            if flag:
                break
        if n == limit:
            break
    return n


def _fill(
    summary: SimulationSummary, counts: dict[tuple[str, str], int], sink: Sink, flag: StopFlag, prefix: str
) -> None:
    for (catalog_topic, event_type), n in counts.items():
        topic = prefix + catalog_topic
        summary.events_by_topic[topic] = summary.events_by_topic.get(topic, 0) + n
        summary.events_by_type.setdefault(topic, {})[event_type] = n
    summary.events = sum(counts.values())
    stats = sink.stats
    summary.produced = stats.produced_total
    summary.delivered = stats.delivered
    summary.failed = stats.failed_total
    summary.errors = list(stats.errors)
    summary.stopped_by = flag.reason
