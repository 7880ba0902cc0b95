"""Bronze ingest through the platform's long-lived Spark Connect server (issue 5, freshness).

The server is a real ``spark-submit`` JVM started by ``services.up`` (the session's
``platform`` fixture); the batch function runs in its Python worker, so what these tests
check is what only holds there: the stream id comes from the checkpoint (a replayed batch
is recognised and skipped), the batch figures come back through the snapshot summaries,
and every record lands once, in bronze or in the dead letter. The listening socket is
checked against the kernel's table: loopback only.
"""

from __future__ import annotations

import json
import logging
import logging.config
import uuid
from pathlib import Path

import pytest

from shop_analytics.platform import process, spark_connect
from shop_analytics.platform.settings import PlatformSettings
from shop_analytics.resources.spark import LakehouseSparkResource, SparkConnectUnavailable, connect_session
from shop_analytics.streaming.batch_errors import BatchFailed, error_path
from shop_analytics.streaming.bronze import DEAD_LETTER_COLUMNS, IngestRequest, ingest_topic
from shop_analytics.streaming.checkpoint import committed_offsets
from shop_analytics_tests.conftest import free_port
from shop_analytics_tests.streaming.exactly_once_helpers import (
    catalog,
    create_topic,
    end_offsets,
    ingest_request,
    marked_batches,
    produce,
    register_schema,
)
from shop_analytics_tests.streaming.test_exactly_once import BAD_EVERY, PARTITIONS, assert_exactly_once

pytestmark = pytest.mark.integration


def _listening_addresses(port: int) -> set[str]:
    """Local addresses of the LISTEN sockets on ``port``, from /proc/net/tcp and tcp6."""
    found: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            address, port_hex = fields[1].rsplit(":", 1)
            if fields[3] == "0A" and int(port_hex, 16) == port:  # 0A: TCP_LISTEN
                found.add(address)
    return found


def test_server_listens_on_loopback_only(platform: PlatformSettings) -> None:
    assert process.read_pid(spark_connect.files(platform)) is not None
    addresses = _listening_addresses(platform.spark_connect_port)
    # 127.0.0.1 as an IPv4 socket, or as an IPv4-mapped IPv6 one (::ffff:127.0.0.1).
    loopback = {"0100007F", "0000000000000000FFFF00000100007F"}
    assert addresses, "nothing listens on the Spark Connect port"
    assert addresses <= loopback, f"the server listens beyond loopback: {addresses}"


def test_ingest_over_connect_lands_every_record_once_and_reports_its_batches(
    platform: PlatformSettings, tmp_path: Path
) -> None:
    suffix = uuid.uuid4().hex[:8]
    topic, table, dead_letter = f"sc-{suffix}", f"sc.events_{suffix}", f"sc.dead_letter_{suffix}"
    create_topic(platform.kafka_bootstrap, topic, PARTITIONS)
    schema_id = register_schema(platform.registry_url, topic)
    request = IngestRequest(
        bootstrap_servers=platform.kafka_bootstrap,
        topic=topic,
        table=table,
        dead_letter_table=dead_letter,
        checkpoint=str(tmp_path / "checkpoint"),
        registry_url=platform.registry_url,
        max_offsets_per_trigger=200,
    )
    session = connect_session(platform.spark_connect_url)

    first = produce(platform.kafka_bootstrap, topic, schema_id, per_partition=120, partitions=PARTITIONS,
                    bad_every=BAD_EVERY, tag="first")  # fmt: skip
    result = ingest_topic(session, request)
    # 360 records at most 200 a batch: two batches, figures read back from the snapshots.
    assert [b.batch_id for b in result.batches] == [0, 1]
    assert result.rows == len(first.all) == 360
    assert result.bronze_rows == len(first.good)
    assert result.dead_letter_rows == len(first.bad)
    assert sum(result.dead_letter_by_reason().values()) == len(first.bad)
    assert set(result.dead_letter_by_reason()) == {"not_confluent_framed", "unknown_schema_id", "avro_decode_failed"}
    assert all(b.duration_s > 0 for b in result.batches)
    assert result.newest_event_time is not None
    assert_exactly_once(platform, topic, table, dead_letter, first)

    # The stream id the server's worker used is the query id in the checkpoint, as in-process.
    query_id = json.loads((tmp_path / "checkpoint" / "metadata").read_text())["id"]
    assert marked_batches(catalog(platform), table, f"{topic}@{query_id}") == [0, 1]

    # Nothing new: nothing read, nothing written.
    assert ingest_topic(session, request).rows == 0

    # Batch 1 finished in both tables, but the checkpoint "crashed" before committing it:
    # the replay (same id, same offsets) must find it committed in both and write nothing.
    for name in ("1", ".1.crc"):  # the commit file and its checksum, as if never written
        (tmp_path / "checkpoint" / "commits" / name).unlink()
    replay = ingest_topic(session, request)
    assert replay.batches == []  # a fully skipped batch reports nothing: its rows were counted
    assert_exactly_once(platform, topic, table, dead_letter, first)
    assert committed_offsets(request.checkpoint, topic) == end_offsets(platform.kafka_bootstrap, topic, PARTITIONS)

    second = produce(platform.kafka_bootstrap, topic, schema_id, per_partition=30, partitions=PARTITIONS,
                     bad_every=BAD_EVERY, tag="second")  # fmt: skip
    more = ingest_topic(session, request)
    assert [b.batch_id for b in more.batches] == [2]
    assert more.rows == len(second.all)
    assert_exactly_once(platform, topic, table, dead_letter, first | second)


def test_resource_without_a_server_says_how_to_start_one() -> None:
    resource = LakehouseSparkResource(spark_config={}, remote=f"sc://127.0.0.1:{free_port()}")
    with pytest.raises(SparkConnectUnavailable, match="shop-analytics platform up"):
        _ = resource.spark_session


def test_a_failing_batch_over_connect_raises_its_own_error_and_a_rerun_lands_the_rest_once(
    platform: PlatformSettings, tmp_path: Path
) -> None:
    """Spark Connect 3.5 reports a failed batch function as "terminated with exception:" and
    nothing more; the run must say which batch failed and why (batch_errors)."""
    suffix = uuid.uuid4().hex[:8]
    topic, table = f"scf-{suffix}", f"sc.events_{suffix}"
    request = ingest_request(platform, topic, table, tmp_path / "checkpoint")
    dead_letter = request.dead_letter_table
    create_topic(platform.kafka_bootstrap, topic, PARTITIONS)
    schema_id = register_schema(platform.registry_url, topic)
    produced = produce(platform.kafka_bootstrap, topic, schema_id, per_partition=10, partitions=PARTITIONS,
                       bad_every=BAD_EVERY, tag="x")  # fmt: skip
    session = connect_session(platform.spark_connect_url)
    # A dead-letter table someone made with schema_id NOT NULL: the layout check passes (same
    # names and types), and the append of the batch's unframed records (no schema id) fails
    # inside the batch function, after the bronze append of the same batch committed.
    columns = ", ".join(f"{name} {kind}{' NOT NULL' * (name == 'schema_id')}" for name, kind in DEAD_LETTER_COLUMNS)
    session.sql(f"CREATE TABLE {dead_letter} ({columns}) USING iceberg")
    with pytest.raises(BatchFailed) as failed:
        ingest_topic(session, request)
    message = str(failed.value)
    assert message.startswith(f"bronze ingest of {topic} failed in batch 0: ")
    assert "Null value appeared in non-nullable field" in message.splitlines()[0]  # Spark's own words
    assert "in _append" in message  # the frames of the batch function where it raised

    # Mended table: the run again replays batch 0, skips bronze (committed) and lands the rest.
    session.sql(f"DROP TABLE {dead_letter}")
    result = ingest_topic(session, request)
    assert result.dead_letter_rows == len(produced.bad)
    assert_exactly_once(platform, topic, table, dead_letter, produced)
    assert error_path(request.checkpoint) is not None and not error_path(request.checkpoint).exists()


def test_the_connect_client_stays_quiet_after_logging_is_configured_again(
    platform: PlatformSettings, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pyspark disables its client logger at import; dictConfig (as Dagster configures logging)
    enables it again, and every plan was then logged at INFO."""
    monkeypatch.delenv("SPARK_CONNECT_LOG_LEVEL", raising=False)
    client_logger = logging.getLogger("pyspark.sql.connect.client.core")
    monkeypatch.setattr(client_logger, "level", logging.NOTSET)
    logging.config.dictConfig({"version": 1, "disable_existing_loggers": False})
    assert not client_logger.disabled

    with caplog.at_level(logging.INFO):
        session = connect_session(platform.spark_connect_url)
        assert session.sql("SELECT 41 + 1 AS answer").first()["answer"] == 42
    assert [r for r in caplog.records if r.name.startswith("pyspark.sql.connect")] == []
