"""Scale-out by configuration: the bronze ingest on a Spark standalone cluster, not local[2].

A master and a worker start from the pyspark install on free loopback ports. A separate
Python process (one SparkSession per process; the suite's local one lives in this one)
builds its resources from the environment with only ``SHOP_SPARK_MASTER`` added, and runs
``ingest_topic`` on one small batch. This process then reads the rows back with PyIceberg
and asks the master which application ran.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import fastavro
import pytest
from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from pyiceberg.catalog.sql import SqlCatalog

from shop_analytics.platform import jars, lakehouse, process, spark_cluster
from shop_analytics.platform.settings import PlatformSettings
from shop_analytics.resources.environments import build_resources
from shop_analytics_tests.conftest import free_port, settings_environ

GOOD_RECORDS = 300
BAD_RECORDS = 3
PARTITIONS = 2
TABLE = "cluster.events"
DEAD_LETTER_TABLE = "cluster.dead_letter"
SCHEMA = {
    "type": "record",
    "name": "ClusterEvent",
    "namespace": "shop.test",
    "fields": [
        {"name": "event_id", "type": "string"},
        {"name": "event_type", "type": "string"},
        {"name": "event_time", "type": {"type": "long", "logicalType": "timestamp-millis"}},
        {"name": "n", "type": "int"},
    ],
}

# Runs in its own process: resources exactly as the code location builds them.
DRIVER = """\
import json, os, sys
from shop_analytics.resources.environments import build_resources
from shop_analytics.streaming.bronze import IngestRequest, ingest_topic

spark = build_resources(os.environ)["spark"].spark_session
sc = spark.sparkContext
sc.setLogLevel("WARN")
result = ingest_topic(spark, IngestRequest(**json.loads(sys.argv[1])))
print(json.dumps({
    "master": sc.master,
    "app_id": sc.applicationId,
    # The driver's block manager plus one per executor.
    "block_managers": sc._jsc.sc().getExecutorMemoryStatus().size(),
    "rows": result.rows,
    "bronze_rows": result.bronze_rows,
    "dead_letter_rows": result.dead_letter_rows,
}))
spark.stop()
"""


@pytest.fixture
def cluster(platform: PlatformSettings) -> Iterator[spark_cluster.ClusterConfig]:
    """A master and a worker on free ports; stopped by PID, with nothing left behind."""
    jars.resolve(platform, jars.SPARK)
    config = spark_cluster.ClusterConfig(
        master_port=free_port(), webui_port=free_port(), worker_webui_port=free_port()
    )
    groups: set[int] = set()
    try:
        spark_cluster.start(platform, config)
        groups = {
            pid
            for pid in (
                process.read_pid(spark_cluster.master_files(platform)),
                process.read_pid(spark_cluster.worker_files(platform)),
            )
            if pid is not None
        }
        assert len(groups) == 2
        yield config
    finally:
        stopped = spark_cluster.stop(platform)
    assert stopped == [spark_cluster.WORKER, spark_cluster.MASTER]
    # Each daemon leads its own process group; the executors the worker launched are in its.
    assert _processes_in_groups(groups) == []
    assert [row.state for row in spark_cluster.status(platform)] == ["stopped", "stopped"]


def test_one_setting_moves_spark_from_local_to_the_cluster(tmp_path: Path) -> None:
    environ = {"SHOP_ENV": "local", "SHOP_STATE_DIR": str(tmp_path)}
    local = build_resources(environ)["spark"].spark_config
    on_cluster = build_resources({**environ, "SHOP_SPARK_MASTER": "spark://127.0.0.1:7077"})["spark"].spark_config

    assert local["spark.master"] == "local[2]"
    assert "spark.cores.max" not in local
    assert on_cluster == {**local, "spark.master": "spark://127.0.0.1:7077", **spark_cluster.executor_conf()}
    with pytest.raises(ValueError, match="SHOP_SPARK_MASTER='yarn' is not a Spark master here"):
        build_resources({**environ, "SHOP_SPARK_MASTER": "yarn"})


def test_cli_refuses_clashing_ports_in_one_line(tmp_path: Path) -> None:
    cli = [sys.executable, "-c", "from shop_analytics.cli import main; main()"]
    args = ["platform", "spark-cluster", "up", "--master-port", "7177", "--webui-port", "7177"]
    run = subprocess.run(
        [*cli, *args], env={**os.environ, "SHOP_STATE_DIR": str(tmp_path)}, capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 2
    assert run.stderr.strip().splitlines() == [
        "error: the Spark cluster's ports must differ, got "
        "{'--master-port': 7177, '--webui-port': 7177, '--worker-webui-port': 8091}"
    ]
    assert not (tmp_path / "run" / "spark-master.pid").exists()


@pytest.mark.integration
def test_bronze_ingest_runs_on_the_standalone_cluster_by_setting_the_master(
    platform: PlatformSettings, cluster: spark_cluster.ClusterConfig, tmp_path: Path
) -> None:
    status = spark_cluster.status(platform)
    assert [row.state for row in status] == ["healthy", "healthy"]
    master_url = spark_cluster.master_url(platform, cluster)

    topic = f"cluster-test-{uuid.uuid4().hex[:8]}"
    produced = _produce(platform, topic)
    assert len(produced) == GOOD_RECORDS + BAD_RECORDS

    request = {
        "bootstrap_servers": platform.kafka_bootstrap,
        "topic": topic,
        "table": TABLE,
        "dead_letter_table": DEAD_LETTER_TABLE,
        "checkpoint": str(tmp_path / "checkpoint"),
        "registry_url": platform.registry_url,
    }
    env = {**os.environ, **settings_environ(platform), "SHOP_SPARK_MASTER": master_url}
    started = time.monotonic()
    run = subprocess.run(
        [sys.executable, "-c", DRIVER, json.dumps(request)],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert run.returncode == 0, run.stderr[-4000:]
    print(f"driver process on the cluster: {time.monotonic() - started:.1f} s")
    out = json.loads(run.stdout.strip().splitlines()[-1])

    # The work ran on the cluster: the session's master is the standalone one, an executor
    # registered with the driver, the master lists the application, and the executor that
    # the worker launched for it ran tasks.
    assert out["master"] == master_url
    assert out["block_managers"] >= 2
    app = _completed_app(platform, cluster, out["app_id"])
    assert app["cores"] >= 1
    executor_logs = list((platform.state_dir / "spark" / "work" / out["app_id"]).glob("*/stderr"))
    assert executor_logs, "the worker launched no executor for the application"
    assert any("Finished task" in log.read_text(errors="replace") for log in executor_logs)

    # Every produced record landed, once: good ones in bronze, the rest dead-lettered.
    assert (out["rows"], out["bronze_rows"], out["dead_letter_rows"]) == (
        GOOD_RECORDS + BAD_RECORDS,
        GOOD_RECORDS,
        BAD_RECORDS,
    )
    catalog = SqlCatalog(lakehouse.CATALOG_NAME, **lakehouse.pyiceberg_properties(platform))
    bronze = catalog.load_table(TABLE).scan(row_filter=f"kafka_topic == '{topic}'").to_arrow()
    dead = catalog.load_table(DEAD_LETTER_TABLE).scan(row_filter=f"kafka_topic == '{topic}'").to_arrow()
    assert _coordinates(bronze) == sorted(c for c, good in produced.items() if good)
    assert _coordinates(dead) == sorted(c for c, good in produced.items() if not good)
    assert sorted(bronze["event_id"].to_pylist()) == sorted(f"e{i}" for i in range(GOOD_RECORDS))


def _produce(settings: PlatformSettings, topic: str) -> dict[tuple[int, int], bool]:
    """Confluent-framed Avro records plus a few unframed ones; (partition, offset) → good."""
    admin = AdminClient({"bootstrap.servers": settings.kafka_bootstrap})
    admin.create_topics([NewTopic(topic, num_partitions=PARTITIONS, replication_factor=1)])[topic].result(30)
    registry = SchemaRegistryClient({"url": settings.registry_url, "timeout": 10})
    schema_id = registry.register_schema(f"{topic}-value", Schema(json.dumps(SCHEMA), "AVRO"))
    parsed = fastavro.parse_schema(SCHEMA)
    event_time = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)

    delivered: dict[tuple[int, int], bool] = {}
    errors: list[str] = []

    def on_delivery(good: bool):
        def callback(err, msg) -> None:
            if err is not None:
                errors.append(str(err))
            else:
                delivered[(msg.partition(), msg.offset())] = good

        return callback

    producer = Producer({"bootstrap.servers": settings.kafka_bootstrap, "enable.idempotence": True})
    for i in range(GOOD_RECORDS):
        body = io.BytesIO()
        record = {"event_id": f"e{i}", "event_type": "page_view", "event_time": event_time, "n": i}
        fastavro.schemaless_writer(body, parsed, record)
        value = b"\x00" + schema_id.to_bytes(4, "big") + body.getvalue()
        producer.produce(topic, key=f"k{i}".encode(), value=value, on_delivery=on_delivery(True))
    for i in range(BAD_RECORDS):
        producer.produce(topic, key=f"bad{i}".encode(), value=b'{"not": "avro"}', on_delivery=on_delivery(False))
    assert producer.flush(30) == 0
    assert errors == []
    return delivered


def _coordinates(table) -> list[tuple[int, int]]:
    return sorted(zip(table["kafka_partition"].to_pylist(), table["kafka_offset"].to_pylist(), strict=True))


def _completed_app(settings: PlatformSettings, config: spark_cluster.ClusterConfig, app_id: str) -> dict:
    """The master's record of the application, once it has finished (after spark.stop())."""
    deadline = time.monotonic() + 30
    while True:
        state = spark_cluster.master_state(settings, config) or {}
        apps = {app["id"]: app for app in state.get("completedapps", [])}
        if app_id in apps:
            assert apps[app_id]["state"] == "FINISHED"
            return apps[app_id]
        assert time.monotonic() < deadline, f"the master does not list {app_id} as completed: {state}"
        time.sleep(0.5)


def _processes_in_groups(groups: set[int]) -> list[int]:
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            fields = (proc / "stat").read_text().rsplit(") ", 1)[1].split()
        except (OSError, IndexError):
            continue
        # After the command: state, ppid, pgrp. A zombie is gone for our purposes.
        if fields[0] != "Z" and int(fields[2]) in groups:
            found.append(int(proc.name))
    return found
