"""Lingering ingest (issue 5, freshness): one query takes records that arrive while it runs,
in processing-time micro-batches, and stops by itself once its topic is quiet.

On real services: the session's Kafka broker and registry, the in-process SparkSession and
the platform's Spark Connect server (where the batch function's Python worker must outlive
one batch). Every record lands once, in bronze or in the dead letter.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import replace
from pathlib import Path

import pytest

from shop_analytics.platform.settings import PlatformSettings
from shop_analytics.resources.spark import connect_session
from shop_analytics.streaming.bronze import IngestRequest, IngestResult, Linger, ingest_topic, linger_verdict
from shop_analytics.streaming.checkpoint import committed_offsets
from shop_analytics_tests.streaming.exactly_once_helpers import (
    catalog,
    create_topic,
    end_offsets,
    ingest_request,
    landed,
    produce,
    register_schema,
)
from shop_analytics_tests.streaming.test_exactly_once import BAD_EVERY, PARTITIONS, assert_exactly_once


def test_linger_stops_only_between_batches_once_idle_or_at_its_limit() -> None:
    linger = Linger(idle_s=30, max_s=600, trigger_s=5)
    assert linger_verdict(linger, elapsed_s=10, idle_s=5, trigger_active=False) is None
    assert linger_verdict(linger, elapsed_s=40, idle_s=29.9, trigger_active=False) is None
    assert "no new records for 30 s" == linger_verdict(linger, elapsed_s=40, idle_s=30, trigger_active=False)
    assert linger_verdict(linger, elapsed_s=40, idle_s=31, trigger_active=True) is None  # mid-batch: wait
    assert "600 s" in (linger_verdict(linger, elapsed_s=600, idle_s=1, trigger_active=False) or "")
    assert linger_verdict(linger, elapsed_s=900, idle_s=1, trigger_active=True) is None
    assert linger_verdict(linger, elapsed_s=10, idle_s=1, trigger_active=False, stopping=True) == "the run is stopping"
    assert linger_verdict(linger, elapsed_s=10, idle_s=1, trigger_active=True, stopping=True) is None


@pytest.mark.parametrize("times", [(0, 10, 5), (10, 0, 5), (10, 10, 0), (-1, 10, 5)])
def test_linger_times_must_be_positive(times: tuple[float, float, float]) -> None:
    with pytest.raises(ValueError, match="must be positive"):
        Linger(*times)


def _request(platform: PlatformSettings, tmp_path: Path, prefix: str, linger: Linger) -> IngestRequest:
    suffix = uuid.uuid4().hex[:8]
    topic = f"{prefix}-{suffix}"
    create_topic(platform.kafka_bootstrap, topic, PARTITIONS)
    return ingest_request(
        platform,
        topic,
        f"linger.events_{prefix}_{suffix}",
        tmp_path / "checkpoint",
        max_offsets_per_trigger=500,
        linger=linger,
    )


def _lingers_over_two_bursts(session, platform: PlatformSettings, request: IngestRequest) -> None:
    schema_id = register_schema(platform.registry_url, request.topic)
    first = produce(platform.kafka_bootstrap, request.topic, schema_id, per_partition=60, partitions=PARTITIONS,
                    bad_every=BAD_EVERY, tag="first")  # fmt: skip
    lines: list[str] = []
    outcome: dict[str, IngestResult | BaseException] = {}

    def run() -> None:
        try:
            outcome["result"] = ingest_topic(session, request, lines.append)
        except BaseException as exc:  # handed to the test thread below
            outcome["result"] = exc

    thread = threading.Thread(target=run, daemon=True)
    started = time.monotonic()
    thread.start()
    cat = catalog(platform)
    deadline = started + 120
    while len(landed(cat, request.table, request.topic)) < len(first.good):
        assert thread.is_alive(), f"the query stopped before the second burst: {outcome}"
        assert time.monotonic() < deadline, "the first burst never reached bronze"
        time.sleep(0.5)
    # The same query is still running: the second burst goes in through it.
    assert thread.is_alive()
    second = produce(platform.kafka_bootstrap, request.topic, schema_id, per_partition=40, partitions=PARTITIONS,
                     bad_every=BAD_EVERY, tag="second")  # fmt: skip
    thread.join(timeout=180)
    assert not thread.is_alive(), "the lingering query did not stop once its topic went quiet"
    result = outcome["result"]
    assert isinstance(result, IngestResult), result
    assert result.rows == len(first.all | second.all)
    assert result.bronze_rows == len((first | second).good)
    assert result.dead_letter_rows == len((first | second).bad)
    assert len(result.batches) >= 2  # the bursts came apart, so did their batches
    assert [b.batch_id for b in result.batches] == sorted({b.batch_id for b in result.batches})
    assert any("no new records for" in line and line.startswith(request.topic) for line in lines), lines
    assert_exactly_once(platform, request.topic, request.table, request.dead_letter_table, first | second)
    assert committed_offsets(request.checkpoint, request.topic) == end_offsets(
        platform.kafka_bootstrap, request.topic, PARTITIONS
    )


@pytest.mark.integration
def test_a_lingering_query_in_process_takes_a_later_burst_and_stops_when_quiet(
    spark, platform: PlatformSettings, tmp_path: Path
) -> None:
    request = _request(platform, tmp_path, "classic", Linger(idle_s=4, max_s=300, trigger_s=0.5))
    _lingers_over_two_bursts(spark, platform, request)


@pytest.mark.integration
def test_a_lingering_query_over_spark_connect_keeps_its_worker_across_bursts(
    platform: PlatformSettings, tmp_path: Path
) -> None:
    request = _request(platform, tmp_path, "connect", Linger(idle_s=4, max_s=300, trigger_s=0.5))
    _lingers_over_two_bursts(connect_session(platform.spark_connect_url), platform, request)


@pytest.mark.integration
def test_a_lingering_query_stops_at_its_limit(spark, platform: PlatformSettings, tmp_path: Path) -> None:
    request = _request(platform, tmp_path, "limit", Linger(idle_s=600, max_s=3, trigger_s=0.5))
    lines: list[str] = []
    started = time.monotonic()
    result = ingest_topic(spark, request, lines.append)
    assert time.monotonic() - started < 60  # not the 600 s of idleness
    assert result.rows == 0
    assert any("the most a run lingers" in line for line in lines), lines


# A client process that starts a lingering query over Connect, reports when it runs, and waits.
_CLIENT = """
import json, sys
from shop_analytics.resources.spark import connect_session
from shop_analytics.streaming.bronze import IngestRequest, Linger, ingest_topic
args = json.loads(sys.argv[1])
request = IngestRequest(**{**args["request"], "linger": Linger(**args["linger"])})
ingest_topic(connect_session(args["url"]), request, lambda line: print(line, flush=True))
"""


@pytest.mark.integration
def test_a_connect_query_whose_client_was_killed_stops_at_its_next_batch(
    platform: PlatformSettings, tmp_path: Path
) -> None:
    request = _request(platform, tmp_path, "orphan", Linger(idle_s=600, max_s=600, trigger_s=0.5, lease_s=3))
    schema_id = register_schema(platform.registry_url, request.topic)
    first = produce(platform.kafka_bootstrap, request.topic, schema_id, per_partition=30, partitions=PARTITIONS,
                    bad_every=BAD_EVERY, tag="first")  # fmt: skip
    fields = {k: v for k, v in request.__dict__.items() if k != "linger"}
    args = {"request": fields, "linger": request.linger.__dict__, "url": platform.spark_connect_url}
    log = tmp_path / "client.log"
    with log.open("wb") as out:
        client = subprocess.Popen(
            [sys.executable, "-c", _CLIENT, json.dumps(args)], stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    try:
        cat = catalog(platform)
        deadline = time.monotonic() + 120
        while len(landed(cat, request.table, request.topic)) < len(first.good):
            assert client.poll() is None, f"the client ended before its first batch landed: {log.read_text()[-2000:]}"
            assert time.monotonic() < deadline, "the first burst never reached bronze"
            time.sleep(0.5)
    finally:
        if client.poll() is None:
            os.killpg(client.pid, signal.SIGKILL)  # no stop(): the server keeps the query
        client.wait(30)

    time.sleep(request.linger.lease_s + 1)  # the dead client's lease runs out
    second = produce(platform.kafka_bootstrap, request.topic, schema_id, per_partition=20, partitions=PARTITIONS,
                     bad_every=BAD_EVERY, tag="second")  # fmt: skip
    # The orphan's next batch finds the lease stale and fails, uncommitted; until then a new
    # start on the same checkpoint is refused as a duplicate of an active query.
    session = connect_session(platform.spark_connect_url)
    retry = replace(request, linger=None)
    deadline = time.monotonic() + 90
    while True:
        try:
            result = ingest_topic(session, retry)
            break
        except Exception as exc:
            assert "already active" in str(exc), exc
            assert time.monotonic() < deadline, "the orphaned query never stopped"
            time.sleep(2)
    assert result.rows == len(second.all)
    assert_exactly_once(platform, request.topic, request.table, request.dead_letter_table, first | second)


@pytest.mark.integration
def test_a_lingering_query_ends_between_batches_when_its_run_stops(
    spark, platform: PlatformSettings, tmp_path: Path
) -> None:
    request = _request(platform, tmp_path, "stop", Linger(idle_s=600, max_s=600, trigger_s=0.5))
    schema_id = register_schema(platform.registry_url, request.topic)
    first = produce(platform.kafka_bootstrap, request.topic, schema_id, per_partition=20, partitions=PARTITIONS,
                    bad_every=BAD_EVERY, tag="first")  # fmt: skip
    stop = threading.Event()
    lines: list[str] = []
    outcome: dict[str, IngestResult] = {}
    thread = threading.Thread(
        target=lambda: outcome.update(result=ingest_topic(spark, request, lines.append, stop=stop)), daemon=True
    )
    thread.start()
    cat = catalog(platform)
    deadline = time.monotonic() + 120
    while len(landed(cat, request.table, request.topic)) < len(first.good):
        assert thread.is_alive() and time.monotonic() < deadline, "the burst never reached bronze"
        time.sleep(0.5)
    stop.set()
    thread.join(timeout=30)  # not the 600 s of idleness
    assert not thread.is_alive(), "the query did not end when its run stopped"
    assert outcome["result"].rows == len(first.all)
    assert any("the run is stopping" in line for line in lines), lines
    assert_exactly_once(platform, request.topic, request.table, request.dead_letter_table, first)
