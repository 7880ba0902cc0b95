"""Creating the catalog's topics, idempotently, with the Kafka AdminClient."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient, NewTopic

from shop_analytics.schemas import TopicSpec

log = logging.getLogger(__name__)


def ensure_topics(
    bootstrap: str, specs: Iterable[TopicSpec], *, replication_factor: int = 1, timeout_s: float = 30.0
) -> dict[str, str]:
    """Create the topics that do not exist yet; returns {topic: "created" | "exists"}.

    An existing topic is left alone (its partition count is not changed: that would move
    keys between partitions); a mismatch is logged.
    """
    specs = tuple(specs)
    admin = AdminClient({"bootstrap.servers": bootstrap})
    existing = admin.list_topics(timeout=timeout_s).topics
    result: dict[str, str] = {}
    new_topics = []
    for spec in specs:
        if spec.name in existing:
            result[spec.name] = "exists"
            have = len(existing[spec.name].partitions)
            if have != spec.partitions:
                log.warning("topic %s has %d partitions, the catalog says %d", spec.name, have, spec.partitions)
        else:
            new_topics.append(
                NewTopic(
                    spec.name,
                    num_partitions=spec.partitions,
                    replication_factor=replication_factor,
                    config=spec.topic_config(),
                )
            )
    if new_topics:
        futures = admin.create_topics(new_topics, operation_timeout=timeout_s, request_timeout=timeout_s)
        for name, future in futures.items():
            try:
                future.result()
                result[name] = "created"
            except KafkaException as exc:
                error = exc.args[0]
                if error.code() != KafkaError.TOPIC_ALREADY_EXISTS:
                    raise RuntimeError(f"could not create topic {name}: {error.str()}") from exc
                result[name] = "exists"  # created meanwhile by someone else
    _wait_for_metadata(admin, [t.topic for t in new_topics], timeout_s)
    return result


def _wait_for_metadata(admin: AdminClient, names: list[str], timeout_s: float) -> None:
    """Wait until new topics show leaders for all partitions, so the first produce does not stall."""
    deadline = time.monotonic() + timeout_s
    pending = set(names)
    while pending and time.monotonic() < deadline:
        topics = admin.list_topics(timeout=timeout_s).topics
        for name in list(pending):
            meta = topics.get(name)
            if meta is not None and meta.error is None and all(p.leader >= 0 for p in meta.partitions.values()):
                pending.discard(name)
        if pending:
            time.sleep(0.1)
    if pending:
        log.warning("topics without leaders after %.0fs: %s", timeout_s, sorted(pending))


def delete_topics(bootstrap: str, names: Iterable[str], timeout_s: float = 30.0) -> None:
    """Delete topics (for tests and resets); missing ones are ignored."""
    admin = AdminClient({"bootstrap.servers": bootstrap})
    futures = admin.delete_topics(list(names), operation_timeout=timeout_s)
    for future in futures.values():
        try:
            future.result()
        except KafkaException as exc:
            if exc.args[0].code() != KafkaError.UNKNOWN_TOPIC_OR_PART:
                raise
