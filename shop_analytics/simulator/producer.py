"""Where serialized events go: Kafka (idempotent, acks=all, compressed, batched), memory or nowhere.

Every sink counts what was produced; ``KafkaSink`` also counts delivery reports (one
light callback per message) and fills in partition and offset of tracked records (the
injected faults of the manifest). Keys are the entity ids from the topic catalog, and
the partitioner is murmur2 like the Java clients', so a customer's or a store's events
share one partition in the order they were produced.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Protocol

from confluent_kafka import KafkaError, Message, Producer, murmur2

from shop_analytics.schemas import TOPICS
from shop_analytics.simulator.faults import ManifestEntry

log = logging.getLogger(__name__)

POLL_EVERY = 2_000
MAX_ERRORS_KEPT = 20


@dataclass(frozen=True)
class ProducerSettings:
    acks: str = "all"
    compression: str = "lz4"
    # Long enough for big batches: the broker's cost is per batch, and 30 partitions split the stream.
    linger_ms: int = 200
    batch_size: int = 1_000_000
    idempotent: bool = True
    extra: tuple[tuple[str, str], ...] = ()

    def config(self, bootstrap: str) -> dict[str, Any]:
        conf: dict[str, Any] = {
            "bootstrap.servers": bootstrap,
            "client.id": "shop-simulator",
            "enable.idempotence": self.idempotent,
            "acks": self.acks,
            "compression.type": self.compression,
            "linger.ms": self.linger_ms,
            "batch.size": self.batch_size,
            "batch.num.messages": 100_000,
            "queue.buffering.max.messages": 1_000_000,
            "queue.buffering.max.kbytes": 1_048_576,
            "partitioner": "murmur2_random",
            "message.timeout.ms": 120_000,
        }
        conf.update(dict(self.extra))
        return conf


@dataclass
class DeliveryStats:
    produced: Counter[str] = field(default_factory=Counter)
    delivered: int = 0
    failed: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)

    @property
    def produced_total(self) -> int:
        return sum(self.produced.values())

    @property
    def failed_total(self) -> int:
        return sum(self.failed.values())


class Sink(Protocol):
    stats: DeliveryStats

    def produce(self, topic: str, key: str, value: bytes) -> None: ...

    def produce_tracked(self, topic: str, key: str, value: bytes, entry: ManifestEntry) -> None: ...

    def flush(self, timeout_s: float = 60.0) -> int: ...

    def close(self) -> None: ...


def produce_all(sink: Sink, topics: list[str], keys: list[str], values: list[bytes]) -> None:
    """Produce parallel lists of records in order: the sink's ``produce_many`` if it has one."""
    produce_many = getattr(sink, "produce_many", None)
    if produce_many is not None:
        produce_many(topics, keys, values)
        return
    produce = sink.produce
    for topic, key, value in zip(topics, keys, values, strict=True):
        produce(topic, key, value)


class KafkaSink:
    """An idempotent confluent-kafka producer with delivery accounting."""

    def __init__(self, bootstrap: str, settings: ProducerSettings | None = None) -> None:
        self.settings = settings or ProducerSettings()
        self.stats = DeliveryStats()
        conf = self.settings.config(bootstrap)
        conf["on_delivery"] = self._on_delivery
        conf["error_cb"] = self._on_error
        self._producer = Producer(conf)
        self._produce = self._producer.produce
        self._poll = self._producer.poll
        self._since_poll = 0

    def produce(self, topic: str, key: str, value: bytes) -> None:
        self.stats.produced[topic] += 1
        try:
            self._produce(topic, value, key)
        except BufferError:
            self._produce_when_room(topic, key, value, None)
        self._since_poll += 1
        if self._since_poll >= POLL_EVERY:
            self._since_poll = 0
            self._poll(0)

    def produce_many(self, topics: list[str], keys: list[str], values: list[bytes]) -> None:
        """``produce`` of parallel lists, with one count and one poll per call."""
        produce = self._produce
        for topic, key, value in zip(topics, keys, values, strict=True):
            try:
                produce(topic, value, key)
            except BufferError:
                self._produce_when_room(topic, key, value, None)
        self.stats.produced.update(topics)
        self._since_poll = 0
        self._poll(0)

    def produce_tracked(self, topic: str, key: str, value: bytes, entry: ManifestEntry) -> None:
        self.stats.produced[topic] += 1

        def delivered(err: KafkaError | None, msg: Message) -> None:
            self._on_delivery(err, msg)
            if err is None:
                entry.delivered(msg.partition(), msg.offset())  # type: ignore[arg-type]
            else:
                entry.delivery_error = err.str()

        try:
            self._produce(topic, value, key, on_delivery=delivered)
        except BufferError:
            self._produce_when_room(topic, key, value, delivered)

    def _produce_when_room(self, topic: str, key: str, value: bytes, callback: Any) -> None:
        while True:
            self._poll(0.05)  # serve delivery reports until the local queue has room
            try:
                if callback is None:
                    self._produce(topic, value, key)
                else:
                    self._produce(topic, value, key, on_delivery=callback)
                return
            except BufferError:
                continue

    def _on_delivery(self, err: KafkaError | None, msg: Message) -> None:
        if err is None:
            self.stats.delivered += 1
        else:
            self.stats.failed[msg.topic() or "?"] += 1
            if len(self.stats.errors) < MAX_ERRORS_KEPT:
                self.stats.errors.append(f"{msg.topic()}: {err.str()}")

    def _on_error(self, err: KafkaError) -> None:
        if err.fatal():
            log.error("fatal producer error: %s", err.str())
            if len(self.stats.errors) < MAX_ERRORS_KEPT:
                self.stats.errors.append(f"fatal: {err.str()}")
        else:
            log.debug("producer: %s", err.str())

    def flush(self, timeout_s: float = 60.0) -> int:
        """Wait for every outstanding delivery report; returns how many are still in flight."""
        deadline = time.monotonic() + timeout_s
        remaining = len(self._producer)
        while remaining and time.monotonic() < deadline:
            remaining = self._producer.flush(min(1.0, max(0.0, deadline - time.monotonic())))
        return remaining

    def close(self) -> None:
        """Flush and let librdkafka go (it stops retrying connections once destroyed)."""
        if self._producer is not None:
            self.flush(10.0)
            self._producer = None  # type: ignore[assignment]


class MemorySink:
    """Keeps records in memory with the partition murmur2 would pick; for tests and dry runs."""

    def __init__(self, keep: bool = True) -> None:
        self.stats = DeliveryStats()
        self.keep = keep
        self.records: list[tuple[str, str, bytes, int, int]] = []
        self._partitions = {spec.name: spec.partitions for spec in TOPICS}
        self._offsets: Counter[tuple[str, int]] = Counter()

    def _partition_count(self, topic: str) -> int:
        count = self._partitions.get(topic)
        if count is None:  # a prefixed copy of a catalog topic
            count = next((n for name, n in self._partitions.items() if topic.endswith("." + name)), 1)
            self._partitions[topic] = count
        return count

    def _append(self, topic: str, key: str, value: bytes) -> tuple[int, int]:
        partition = murmur2(key.encode(), self._partition_count(topic))
        offset = self._offsets[(topic, partition)]
        self._offsets[(topic, partition)] = offset + 1
        if self.keep:
            self.records.append((topic, key, value, partition, offset))
        self.stats.produced[topic] += 1
        self.stats.delivered += 1
        return partition, offset

    def produce(self, topic: str, key: str, value: bytes) -> None:
        self._append(topic, key, value)

    def produce_many(self, topics: list[str], keys: list[str], values: list[bytes]) -> None:
        append = self._append
        for topic, key, value in zip(topics, keys, values, strict=True):
            append(topic, key, value)

    def produce_tracked(self, topic: str, key: str, value: bytes, entry: ManifestEntry) -> None:
        entry.delivered(*self._append(topic, key, value))

    def flush(self, timeout_s: float = 60.0) -> int:
        return 0

    def close(self) -> None:
        pass
