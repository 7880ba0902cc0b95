"""Reading back what the simulator wrote: every record of a topic, partition by partition."""

from __future__ import annotations

import time
from dataclasses import dataclass

from confluent_kafka import Consumer, TopicPartition


@dataclass(frozen=True)
class Consumed:
    topic: str
    partition: int
    offset: int
    key: str
    value: bytes


def read_all(bootstrap: str, topics: list[str], timeout_s: float = 60.0) -> list[Consumed]:
    """All records now in ``topics``, in partition order (up to each partition's high watermark)."""
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": "simulator-tests",
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest",
            "isolation.level": "read_committed",
        }
    )
    try:
        metadata = consumer.list_topics(timeout=timeout_s)
        assignments, ends = [], {}
        for topic in topics:
            for partition in metadata.topics[topic].partitions:
                low, high = consumer.get_watermark_offsets(TopicPartition(topic, partition), timeout=timeout_s)
                if high > low:
                    assignments.append(TopicPartition(topic, partition, low))
                    ends[(topic, partition)] = high
        consumer.assign(assignments)
        out: list[Consumed] = []
        remaining = dict(ends)
        deadline = time.monotonic() + timeout_s
        while remaining:
            if time.monotonic() > deadline:
                raise TimeoutError(f"not all records read within {timeout_s}s; still waiting for {sorted(remaining)}")
            batch = consumer.consume(10_000, timeout=0.5)
            for msg in batch:
                if msg.error():
                    raise RuntimeError(msg.error().str())
                tp = (msg.topic(), msg.partition())
                out.append(
                    Consumed(msg.topic(), msg.partition(), msg.offset(), (msg.key() or b"").decode(), msg.value())
                )
                if tp in remaining and msg.offset() + 1 >= remaining[tp]:
                    del remaining[tp]
        return out
    finally:
        consumer.close()
