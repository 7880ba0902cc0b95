"""Support for the exactly-once tests: records with known coordinates, what landed where,
the checkpoint's view of the stream, and the ingest entry point run as a killable process.

Every produced record's (topic, partition, offset) is taken from its delivery report, so
the tests know which coordinates must be in bronze and which in the dead-letter table.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from pyiceberg.catalog.sql import SqlCatalog
from pyiceberg.expressions import EqualTo

from shop_analytics.platform.settings import PlatformSettings
from shop_analytics.streaming.batch_markers import BATCH_PROPERTY, STREAM_PROPERTY
from shop_analytics.streaming.bronze import IngestRequest
from shop_analytics_tests.avro_frames import CLICK_SCHEMA, confluent_frame

Coordinate = tuple[str, int, int]  # topic, partition, offset

SCHEMA = CLICK_SCHEMA
EVENT_TIME = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)
UNKNOWN_SCHEMA_ID = 987_654


def create_topic(bootstrap: str, topic: str, partitions: int) -> None:
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(topic, num_partitions=partitions, replication_factor=1)])[topic].result(30)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        meta = admin.list_topics(topic, timeout=10).topics.get(topic)
        if meta is not None and meta.error is None and len(meta.partitions) == partitions:
            return
        time.sleep(0.2)
    raise AssertionError(f"topic {topic} did not show {partitions} partitions in the metadata")


def ingest_request(
    settings: PlatformSettings, topic: str, tables: str, checkpoint: Path, **options: Any
) -> IngestRequest:
    """An ingest of ``topic`` on the platform into ``<tables>`` and ``<tables>_dead_letter``."""
    return IngestRequest(
        bootstrap_servers=settings.kafka_bootstrap,
        topic=topic,
        table=tables,
        dead_letter_table=f"{tables}_dead_letter",
        checkpoint=str(checkpoint),
        registry_url=settings.registry_url,
        **options,
    )


def register_schema(registry_url: str, topic: str) -> int:
    client = SchemaRegistryClient({"url": registry_url, "timeout": 10})
    return client.register_schema(f"{topic}-value", Schema(json.dumps(SCHEMA), "AVRO"))


def _malformed(kind: int, schema_id: int, event_id: str) -> bytes:
    """The three ways a value fails to decode: not framed, unknown id, body not Avro."""
    if kind == 0:
        return json.dumps({"event_id": event_id, "note": "json, not avro"}).encode()
    if kind == 1:
        return confluent_frame(UNKNOWN_SCHEMA_ID, SCHEMA, _good_record(event_id))
    return b"\x00" + schema_id.to_bytes(4, "big") + b"\xff\xff\xff\xff"


def _good_record(event_id: str) -> dict:
    return {"event_id": event_id, "event_type": "page_view", "event_time": EVENT_TIME, "page": f"/p/{event_id}"}


@dataclass
class Produced:
    good: set[Coordinate] = field(default_factory=set)
    bad: set[Coordinate] = field(default_factory=set)

    def __or__(self, other: Produced) -> Produced:
        return Produced(self.good | other.good, self.bad | other.bad)

    @property
    def all(self) -> set[Coordinate]:
        return self.good | self.bad


def produce(
    bootstrap: str, topic: str, schema_id: int, *, per_partition: int, partitions: int, bad_every: int, tag: str
) -> Produced:
    """``per_partition`` records into each partition; every ``bad_every``-th one is malformed."""
    produced = Produced()
    errors: list[str] = []

    def delivered(into: set[Coordinate], err, msg) -> None:
        if err is not None:
            errors.append(str(err))
        else:
            into.add((msg.topic(), msg.partition(), msg.offset()))

    producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True, "linger.ms": 20})
    for i in range(per_partition):
        for partition in range(partitions):
            event_id = f"{tag}-{partition}-{i}"
            if i % bad_every == bad_every - 1:
                value, into = _malformed(i // bad_every % 3, schema_id, event_id), produced.bad
            else:
                value, into = confluent_frame(schema_id, SCHEMA, _good_record(event_id)), produced.good
            producer.produce(
                topic,
                value=value,
                key=event_id.encode(),
                partition=partition,
                on_delivery=functools.partial(delivered, into),
            )
            producer.poll(0)
    left = producer.flush(60)
    assert left == 0 and not errors, f"{left} records undelivered, errors: {errors[:3]}"
    assert len(produced.all) == per_partition * partitions
    return produced


def end_offsets(bootstrap: str, topic: str, partitions: int) -> dict[int, int]:
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "exactly-once-tests", "enable.auto.commit": False})
    deadline = time.monotonic() + 30
    try:
        while True:
            try:
                return {
                    p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=30)[1]
                    for p in range(partitions)
                }
            except KafkaException as exc:
                # Right after a broker restart a partition may not have its leader back yet.
                error = exc.args[0]
                leaderless = error.code() in (KafkaError.NOT_LEADER_FOR_PARTITION, KafkaError.LEADER_NOT_AVAILABLE)
                if not (leaderless or error.retriable()) or time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
    finally:
        consumer.close()


def every_offset(topic: str, ends: dict[int, int]) -> set[Coordinate]:
    return {(topic, p, o) for p, end in ends.items() for o in range(end)}


def catalog(settings: PlatformSettings) -> SqlCatalog:
    from shop_analytics.platform import lakehouse

    return SqlCatalog(lakehouse.CATALOG_NAME, **lakehouse.pyiceberg_properties(settings))


def landed(cat: SqlCatalog, table: str, topic: str) -> list[Coordinate]:
    """Every row's coordinates, duplicates kept."""
    if not cat.table_exists(table):
        return []
    arrow = (
        cat.load_table(table)
        .scan(
            row_filter=EqualTo("kafka_topic", topic), selected_fields=("kafka_topic", "kafka_partition", "kafka_offset")
        )
        .to_arrow()
    )
    return list(
        zip(
            arrow.column("kafka_topic").to_pylist(),
            arrow.column("kafka_partition").to_pylist(),
            arrow.column("kafka_offset").to_pylist(),
            strict=True,
        )
    )


def marked_batches(cat: SqlCatalog, table: str, stream: str) -> list[int]:
    """The batch id of every snapshot ``stream`` committed to ``table``, in commit order."""
    if not cat.table_exists(table):
        return []
    snapshots = sorted(cat.load_table(table).snapshots(), key=lambda s: s.sequence_number or 0)
    return [
        int(s.summary[BATCH_PROPERTY])
        for s in snapshots
        if s.summary is not None and s.summary[STREAM_PROPERTY] == stream
    ]


@dataclass(frozen=True)
class CheckpointState:
    query_id: str | None
    planned: frozenset[int]  # offsets/<n>: batch n's offsets were fixed
    committed: frozenset[int]  # commits/<n>: batch n finished in the sink

    @property
    def pending(self) -> int | None:
        """The planned batch without a commit (at most one exists), or None."""
        open_batches = self.planned - self.committed
        return max(open_batches) if open_batches else None


def checkpoint_state(checkpoint: Path) -> CheckpointState:
    def ids(folder: str) -> frozenset[int]:
        path = checkpoint / folder
        return frozenset(int(p.name) for p in path.iterdir() if p.name.isdigit()) if path.is_dir() else frozenset()

    query_id = None
    metadata = checkpoint / "metadata"
    if metadata.is_file():
        try:
            query_id = json.loads(metadata.read_text().splitlines()[0])["id"]
        except (IndexError, ValueError, KeyError):
            query_id = None  # being written
    return CheckpointState(query_id, ids("offsets"), ids("commits"))


@dataclass(frozen=True)
class IngestArgs:
    settings: PlatformSettings
    topic: str
    table: str
    dead_letter_table: str
    checkpoint: Path
    max_offsets_per_trigger: int

    def command(self) -> list[str]:
        s = self.settings
        return [
            sys.executable,
            "-m",
            "shop_analytics.streaming.ingest_main",
            "--bootstrap",
            s.kafka_bootstrap,
            "--registry-url",
            s.registry_url,
            "--topic",
            self.topic,
            "--table",
            self.table,
            "--dead-letter-table",
            self.dead_letter_table,
            "--checkpoint",
            str(self.checkpoint),
            "--max-offsets-per-trigger",
            str(self.max_offsets_per_trigger),
            "--state-dir",
            str(s.state_dir),
            "--cache-dir",
            str(s.cache_dir),
        ]


class IngestProcess:
    """``ingest_main`` in a session of its own, so SIGKILL reaches the JVM too."""

    def __init__(self, args: IngestArgs, log: Path) -> None:
        self.log = log
        self._out = log.open("w")
        self.proc = subprocess.Popen(
            args.command(), stdout=subprocess.PIPE, stderr=self._out, text=True, start_new_session=True
        )

    def running(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        """SIGKILL the whole process group (python and its JVM) and wait until it is gone."""
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait(timeout=30)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and _group_alive(self.proc.pid):
            time.sleep(0.05)
        self._out.close()

    def wait(self) -> int:
        """The exit status of a run that ended by itself."""
        self.proc.wait(timeout=30)
        self._out.close()
        return self.proc.returncode

    def result(self, timeout_s: float) -> dict:
        """Wait for a normal end; the JSON summary the entry point prints."""
        try:
            stdout, _ = self.proc.communicate(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"ingest did not finish in {timeout_s} s; log tail:\n{self.log_tail()}") from None
        self._out.close()
        assert self.proc.returncode == 0, f"ingest exited {self.proc.returncode}; log tail:\n{self.log_tail()}"
        return json.loads(stdout.strip().splitlines()[-1])

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def _group_alive(pgid: int) -> bool:
    """True while a live (non-zombie) process of the group remains."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z" and int(fields[2]) == pgid:  # state, ppid, pgrp
            return True
    return False
