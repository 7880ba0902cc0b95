"""Exactly-once acceptance of the bronze ingest (issue 5), on the real broker, registry and Spark.

(a) The ingest process (``python -m shop_analytics.streaming.ingest_main``, its own JVM) is
    SIGKILLed inside a micro-batch, at the worst moment we can aim at: batch n's offsets are
    in the checkpoint, batch n is committed to the bronze table, but not yet to the
    dead-letter table and not in the checkpoint's commits. The next run replays batch n
    (same id, same offsets): it must skip bronze, fill in the dead letter, and go on.
(b) The broker is stopped and started again (same ports, same data) between two ingest runs.

Both check by coordinates: the (topic, partition, offset) of every row in bronze and in the
dead-letter table, taken together, are exactly the topic's offsets, none twice; the good
records are in bronze and the malformed ones in the dead letter, as produced.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from shop_analytics.platform import kafka_broker, process
from shop_analytics.platform.settings import PlatformSettings
from shop_analytics.streaming.bronze import IngestRequest, ingest_topic
from shop_analytics.streaming.checkpoint import committed_offsets
from shop_analytics_tests.streaming.exactly_once_helpers import (
    IngestArgs,
    IngestProcess,
    Produced,
    catalog,
    checkpoint_state,
    create_topic,
    end_offsets,
    every_offset,
    landed,
    marked_batches,
    produce,
    register_schema,
)

pytestmark = pytest.mark.integration

PARTITIONS = 3
BAD_EVERY = 7  # every 7th record of a partition is malformed: most batches write both tables
MAX_KILLS = 3
# Aim at batch 1 or later, so the rerun visibly resumes mid-stream instead of at the start.
FIRST_TARGET_BATCH = 1
RUN_TIMEOUT_S = 150.0


def _names(kind: str) -> tuple[str, str, str]:
    """(topic, bronze table, dead-letter table), unique per test run."""
    suffix = uuid.uuid4().hex[:8]
    return f"xo-{kind}-{suffix}", f"xo.{kind}_{suffix}", f"xo.{kind}_dead_letter_{suffix}"


def assert_exactly_once(settings: PlatformSettings, topic: str, table: str, dead_letter: str,
                        produced: Produced) -> set:
    """Every offset of the topic is in bronze or the dead letter, once, where it belongs."""
    ends = end_offsets(settings.kafka_bootstrap, topic, PARTITIONS)
    expected = every_offset(topic, ends)
    cat = catalog(settings)
    bronze = landed(cat, table, topic)
    dead = landed(cat, dead_letter, topic)
    assert produced.all == expected, "the topic holds records this test did not produce"
    assert len(bronze) == len(set(bronze)), f"duplicated in bronze: {_twice(bronze)}"
    assert len(dead) == len(set(dead)), f"duplicated in the dead letter: {_twice(dead)}"
    assert not set(bronze) & set(dead), f"in both tables: {sorted(set(bronze) & set(dead))[:5]}"
    assert expected - set(bronze) - set(dead) == set(), "lost records"
    assert set(bronze) == produced.good
    assert set(dead) == produced.bad
    assert len(bronze) + len(dead) == sum(ends.values())
    return expected


def _twice(coordinates: list) -> list:
    seen: set = set()
    return sorted({c for c in coordinates if c in seen or seen.add(c)})[:5]


@dataclass(frozen=True)
class Kill:
    """Where one SIGKILL landed, read from the checkpoint and both tables after the kill."""

    batch: int  # the batch that was running
    pending_after: int | None  # planned but not committed in the checkpoint after the kill
    committed_rows: int  # records before the checkpoint's committed offsets after the kill
    in_bronze: bool
    in_dead_letter: bool

    @property
    def half_committed(self) -> bool:
        """Batch n in bronze, not in the dead letter, not committed in the checkpoint."""
        return self.pending_after == self.batch and self.in_bronze and not self.in_dead_letter


def kill_inside_a_batch(ingest: IngestProcess, args: IngestArgs) -> Kill | None:
    """SIGKILL the run as soon as it has committed a batch to bronze and not yet to the
    dead letter (the checkpoint then has the batch planned, not committed); None if the run
    ended normally before that moment came."""
    cat = catalog(args.settings)
    stream = None
    before: set[int] = set()
    deadline = time.monotonic() + RUN_TIMEOUT_S
    try:
        while ingest.running():
            assert time.monotonic() < deadline, f"no kill point in {RUN_TIMEOUT_S} s; log:\n{ingest.log_tail()}"
            state = checkpoint_state(args.checkpoint)
            if stream is None and state.query_id is not None:
                stream = f"{args.topic}@{state.query_id}"
                before = set(marked_batches(cat, args.table, stream))  # a batch to replay is there already
            pending = state.pending
            if stream is not None and pending is not None and pending >= FIRST_TARGET_BATCH and pending not in before:
                if pending in marked_batches(cat, args.table, stream):
                    if pending not in marked_batches(cat, args.dead_letter_table, stream):
                        ingest.kill()
                        return Kill(
                            batch=pending,
                            pending_after=checkpoint_state(args.checkpoint).pending,
                            committed_rows=sum(committed_offsets(args.checkpoint, args.topic).values()),
                            in_bronze=pending in marked_batches(cat, args.table, stream),
                            in_dead_letter=pending in marked_batches(cat, args.dead_letter_table, stream),
                        )
                    before.add(pending)  # both tables have it already: aim at the next batch
            time.sleep(0.02)
    finally:
        if ingest.running():
            ingest.kill()
    status = ingest.wait()
    assert status == 0, f"ingest exited {status}; log:\n{ingest.log_tail()}"
    return None


def test_sigkill_inside_a_batch_then_rerun_loses_and_duplicates_nothing(
    platform: PlatformSettings, tmp_path: Path
) -> None:
    topic, table, dead_letter = _names("kill")
    create_topic(platform.kafka_bootstrap, topic, PARTITIONS)
    schema_id = register_schema(platform.registry_url, topic)
    produced = produce(platform.kafka_bootstrap, topic, schema_id, per_partition=120, partitions=PARTITIONS,
                       bad_every=BAD_EVERY, tag="kill")
    # 360 records in batches of at most 60: the first run has batches 1..5 to aim at.
    args = IngestArgs(platform, topic, table, dead_letter, tmp_path / "checkpoint", max_offsets_per_trigger=60)

    kills: list[Kill] = []
    for attempt in range(MAX_KILLS):
        kill = kill_inside_a_batch(IngestProcess(args, tmp_path / f"killed-{attempt}.log"), args)
        if kill is None:
            break
        kills.append(kill)
        if kill.half_committed:
            break
    summary = IngestProcess(args, tmp_path / "rerun.log").result(RUN_TIMEOUT_S)

    expected = assert_exactly_once(platform, topic, table, dead_letter, produced)
    assert committed_offsets(args.checkpoint, topic) == end_offsets(platform.kafka_bootstrap, topic, PARTITIONS)
    # Each table took each batch at most once, over all the runs.
    stream = f"{topic}@{checkpoint_state(args.checkpoint).query_id}"
    cat = catalog(platform)
    for name in (table, dead_letter):
        batches = marked_batches(cat, name, stream)
        assert len(batches) == len(set(batches)), f"{name} committed a batch twice: {batches}"

    # The kill really hit a batch in flight (planned in the checkpoint, in bronze, not yet in
    # the dead letter), and the rerun replayed exactly that batch: bronze was skipped (it had
    # the batch), the dead letter was filled in, and the stream went on from there.
    assert kills, "every run finished before a kill point: nothing was tested"
    last = kills[-1]
    assert last.half_committed, f"no kill landed between the two tables' commits: {kills}"
    replay = summary["batches"][0]  # every batch has malformed records (BAD_EVERY), so both tables
    assert replay["batch_id"] == last.batch, (kills, summary["batches"][:2])
    assert replay["skipped_tables"] == [table]
    assert replay["dead_letter_rows"] > 0
    # It resumed at the killed batch: it read exactly what the checkpoint had not committed.
    assert sum(b["rows_in"] for b in summary["batches"]) == len(expected) - last.committed_rows > 0
    assert [b["batch_id"] for b in summary["batches"]] == list(range(last.batch, last.batch + len(summary["batches"])))


def test_broker_restart_between_ingest_runs_loses_nothing(platform: PlatformSettings, spark, tmp_path: Path) -> None:
    topic, table, dead_letter = _names("restart")
    create_topic(platform.kafka_bootstrap, topic, PARTITIONS)
    schema_id = register_schema(platform.registry_url, topic)
    request = IngestRequest(
        bootstrap_servers=platform.kafka_bootstrap,
        topic=topic,
        table=table,
        dead_letter_table=dead_letter,
        checkpoint=str(tmp_path / "checkpoint"),
        registry_url=platform.registry_url,
        max_offsets_per_trigger=250,
    )
    first = produce(platform.kafka_bootstrap, topic, schema_id, per_partition=150, partitions=PARTITIONS,
                    bad_every=BAD_EVERY, tag="before")
    before = ingest_topic(spark, request)
    ends_before = end_offsets(platform.kafka_bootstrap, topic, PARTITIONS)
    assert before.rows == sum(ends_before.values())
    assert committed_offsets(request.checkpoint, topic) == ends_before

    old_pid = process.read_pid(kafka_broker.files(platform))
    try:
        assert kafka_broker.stop(platform)
        assert process.read_pid(kafka_broker.files(platform)) is None
    finally:
        kafka_broker.start(platform)  # same settings: same ports, same data folder
    assert process.read_pid(kafka_broker.files(platform)) not in (None, old_pid)
    assert end_offsets(platform.kafka_bootstrap, topic, PARTITIONS) == ends_before, "the broker lost records"

    second = produce(platform.kafka_bootstrap, topic, schema_id, per_partition=150, partitions=PARTITIONS,
                     bad_every=BAD_EVERY, tag="after")
    after = ingest_topic(spark, request)
    assert after.rows == len(second.all)
    assert after.batches[0].batch_id == before.batches[-1].batch_id + 1
    assert not any(b.skipped_tables for b in before.batches + after.batches)
    assert_exactly_once(platform, topic, table, dead_letter, first | second)
    assert committed_offsets(request.checkpoint, topic) == end_offsets(platform.kafka_bootstrap, topic, PARTITIONS)
