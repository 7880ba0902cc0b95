"""End-to-end freshness: event time → row visible in bronze, at 1k events/s live.

Measured: the platform as it runs. ``dagster-daemon`` serves the real code location
(``shop_analytics.definitions``) on the bench's private platform, with
``kafka_offsets_sensor`` on as shipped: a tick with new offsets requests a
``bronze_ingest_job`` run for the moved topics no unfinished run holds, the queued run
coordinator launches it as a new process, and the run's queries take processing-time
micro-batches on the platform's long-lived Spark Connect server while records keep coming
(lingering runs; they end once their topics are quiet).
Baseline, same run: one long-lived in-process SparkSession running ``ingest_topic`` on
the clickstream every ``INTERVAL_S`` (what no orchestration at all would give).

Freshness of a row = the commit time of the bronze snapshot that added it minus its event
time (the live simulator stamps event time = now). Rows of the first ``WARM_UP_S`` seconds
are left out of the percentiles (the first run of each stream starts its query and the
server's Python worker cold) and reported apart. Goal (issue 5): p95 ≤ 15 s.
"""

from __future__ import annotations

import bisect
import itertools
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from dagster import DagsterInstance
from pyiceberg.catalog.sql import SqlCatalog

from bench.harness import BenchEnv, BenchResult
from shop_analytics.assets.ingest import BronzeIngestConfig
from shop_analytics.platform import lakehouse
from shop_analytics.streaming.bronze import STARTED_PROPERTY, IngestRequest, ingest_topic

RATE = float(os.environ.get("BENCH_FRESHNESS_RATE", "1000"))
DURATION_S = float(os.environ.get("BENCH_FRESHNESS_SECONDS", "120"))
WARM_UP_S = 30.0
INTERVAL_S = 5.0  # the baseline's loop period = the sensor's default minimum interval
TOPIC = "shop.clickstream"
REPO_ROOT = Path(__file__).resolve().parent.parent


def _simulate(env: BenchEnv, prefix: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", "from shop_analytics.cli import main; main()", "simulate",
         "--rate", str(RATE), "--duration", f"{DURATION_S}s", "--customers", "3000", "--quiet",
         *(["--topic-prefix", prefix] if prefix else []),
         "--bootstrap", env.kafka_bootstrap, "--schema-registry-url", env.schema_registry_url],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=env.work_dir,
    )  # fmt: skip


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _latencies(catalog: SqlCatalog, table: str, since: float) -> tuple[list[float], float | None]:
    """(seconds from event time to visibility for rows with event time after ``since``,
    the first row's visibility delay after ``since - WARM_UP_S``)."""
    iceberg = catalog.load_table(table)
    commits = sorted(s.timestamp_ms / 1000 for s in iceberg.snapshots())
    arrow = iceberg.scan(selected_fields=("event_time", "ingested_at")).to_arrow()
    latencies: list[float] = []
    first_visible: float | None = None
    for event, ingested in zip(
        arrow.column("event_time").to_pylist(), arrow.column("ingested_at").to_pylist(), strict=True
    ):
        # ingested_at is the batch's start; the row is visible at the first commit after it.
        visible = commits[min(len(commits) - 1, bisect.bisect_left(commits, ingested.timestamp()))]
        if first_visible is None or visible < first_visible:
            first_visible = visible
        if event.timestamp() >= since:
            latencies.append(visible - event.timestamp())
    return latencies, first_visible


def _batch_figures(catalog: SqlCatalog, table: str) -> dict[str, Any]:
    """Median micro-batch duration (start → commit, from the batch's snapshot summary) and
    median gap between commits of ``table``."""
    snapshots = sorted(catalog.load_table(table).snapshots(), key=lambda s: s.timestamp_ms)
    commits = [s.timestamp_ms / 1000 for s in snapshots]
    durations = [
        s.timestamp_ms / 1000 - float(s.summary[STARTED_PROPERTY])
        for s in snapshots
        if s.summary is not None and s.summary.get(STARTED_PROPERTY)
    ]
    gaps = [b - a for a, b in itertools.pairwise(commits)]
    return {
        "batches": len(snapshots),
        "batch_seconds_median": round(statistics.median(durations), 2) if durations else None,
        "commit_gap_s_median": round(statistics.median(gaps), 2) if gaps else None,
    }


def _figures(latencies: list[float]) -> dict[str, Any]:
    return {
        "rows": len(latencies),
        "p50_s": round(_percentile(latencies, 0.50), 2) if latencies else None,
        "p95_s": round(_percentile(latencies, 0.95), 2) if latencies else None,
        "max_s": round(max(latencies), 2) if latencies else None,
    }


def _in_session_loop(env: BenchEnv, catalog: SqlCatalog) -> dict[str, Any]:
    spark = env.spark_session()
    prefix = "fresh-base."
    table = "fresh.base_clickstream"
    request = IngestRequest(env.kafka_bootstrap, prefix + TOPIC, table, "fresh.dead_letter",
                            str(env.work_dir / "fresh-base"), env.schema_registry_url)  # fmt: skip
    started = time.time()
    sim = _simulate(env, prefix)
    run_seconds: list[float] = []
    try:
        while True:
            begun = time.time()
            ingest_topic(spark, request)
            run_seconds.append(time.time() - begun)
            if sim.poll() is not None:
                break
            time.sleep(max(0.0, INTERVAL_S - (time.time() - begun)))
        ingest_topic(spark, request)
    finally:
        sim.terminate()
        sim.wait(30)
        spark.stop()
    latencies, first = _latencies(catalog, table, started + WARM_UP_S)
    return {
        "what": f"one long-lived in-process SparkSession ingesting {TOPIC} every {INTERVAL_S:g} s",
        **_figures(latencies),
        "runs": len(run_seconds),
        "run_seconds_median": round(statistics.median(run_seconds), 2),
        "first_row_visible_after_s": round(first - started, 1) if first else None,
    }


def _environ(env: BenchEnv, dagster_home: Path) -> dict[str, str]:
    settings = env.settings
    return {
        **os.environ,
        "SHOP_ENV": "local",
        "SHOP_STATE_DIR": str(settings.state_dir),
        "SHOP_CACHE_DIR": str(settings.cache_dir),
        "SHOP_KAFKA_PORT": str(settings.kafka_port),
        "SHOP_KAFKA_CONTROLLER_PORT": str(settings.kafka_controller_port),
        "SHOP_REGISTRY_PORT": str(settings.registry_port),
        "SHOP_SPARK_CONNECT": "true",
        "SHOP_SPARK_CONNECT_PORT": str(settings.spark_connect_port),
        "DAGSTER_HOME": str(dagster_home),
    }


def _run_records(instance: Any) -> list[dict[str, Any]]:
    """Every run the daemon launched: job, checks tag, queued → started → ended times."""
    return [
        {
            "job": r.dagster_run.job_name,
            "status": r.dagster_run.status.value,
            "checks": r.dagster_run.tags.get("shop/checks"),
            "created": r.create_timestamp.timestamp(),
            "start": r.start_time,
            "end": r.end_time,
        }
        for r in instance.get_run_records()
    ]


def _cold_start_timeline(instance: Any, since: float, runs: int = 2) -> list[list[Any]]:
    """Seconds after the simulator started and message, of the first ``runs`` bronze runs'
    log lines: where the first rows' wait goes (run launch, table checks, query starts)."""
    records = sorted(
        (r for r in instance.get_run_records() if r.dagster_run.job_name == "bronze_ingest_job"),
        key=lambda r: r.create_timestamp.timestamp(),
    )[:runs]
    timeline: list[list[Any]] = []
    for number, record in enumerate(records, start=1):
        timeline.append([round(record.create_timestamp.timestamp() - since, 1), f"run {number} created"])
        for entry in instance.all_logs(record.dagster_run.run_id):
            message = entry.user_message or (entry.dagster_event.event_type_value if entry.dagster_event else "")
            timeline.append([round(entry.timestamp - since, 1), f"run {number}: {message[:200]}"])
    return sorted(timeline, key=lambda item: item[0])


def _dagster_loop(env: BenchEnv, catalog: SqlCatalog) -> dict[str, Any]:
    dagster_home = env.work_dir / "dagster"
    dagster_home.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO_ROOT / "dagster.yaml", dagster_home / "dagster.yaml")
    environ = _environ(env, dagster_home)
    log = open(env.work_dir / "dagster-daemon.log", "wb")  # closed in the finally below
    daemon = subprocess.Popen(
        [str(Path(sys.executable).parent / "dagster-daemon"), "run", "-w", str(REPO_ROOT / "workspace.yaml")],
        cwd=REPO_ROOT, env=environ, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    table = f"bronze.{TOPIC.split('.', 1)[1]}"
    instance = DagsterInstance.from_config(str(dagster_home))
    try:
        time.sleep(15)  # the daemon loads the code location before its first tick
        started = time.time()
        sim = _simulate(env, "")
        sim.wait(DURATION_S + 60)
        # The last events are in Kafka now: wait for the runs that pick them up (settled:
        # nothing in flight and no new run for three sensor intervals).
        deadline = time.time() + 120
        while time.time() < deadline:
            runs = _run_records(instance)
            busy = any(r["status"] in ("QUEUED", "NOT_STARTED", "STARTING", "STARTED") for r in runs)
            last = max((r["end"] or r["created"] for r in runs), default=0.0)
            if not busy and time.time() - last > 3 * INTERVAL_S:
                break
            time.sleep(2)
    finally:
        os.killpg(daemon.pid, signal.SIGTERM)
        try:
            daemon.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(daemon.pid, signal.SIGKILL)
            daemon.wait(30)
        log.close()
        # The work folder goes with the bench's temporary platform: keep the daemon's log.
        shutil.copy(
            env.work_dir / "dagster-daemon.log", Path(tempfile.gettempdir()) / "shop-bench-freshness-daemon.log"
        )
    runs = _run_records(instance)
    bronze_runs = [r for r in runs if r["job"] == "bronze_ingest_job" and r["start"] and r["end"]]
    latencies, first = _latencies(catalog, table, started + WARM_UP_S)
    return {
        **_batch_figures(catalog, table),
        "what": "dagster-daemon + kafka_offsets_sensor → lingering bronze_ingest_job runs (micro-batches every "
        f"{BronzeIngestConfig().trigger_interval_seconds:g} s while records arrive) on the Spark Connect server",
        **_figures(latencies),
        "runs": len(bronze_runs),
        "runs_with_checks": sum(1 for r in bronze_runs if r["checks"] == "included"),
        "failed_runs": sum(1 for r in runs if r["status"] == "FAILURE"),
        "other_runs": sorted({r["job"] for r in runs} - {"bronze_ingest_job"}),
        "run_seconds_median": round(statistics.median(r["end"] - r["start"] for r in bronze_runs), 2)
        if bronze_runs
        else None,
        "queued_to_started_s_median": (
            round(statistics.median(r["start"] - r["created"] for r in bronze_runs), 2) if bronze_runs else None
        ),
        "first_row_visible_after_s": round(first - started, 1) if first else None,
        "cold_start_timeline": _cold_start_timeline(instance, started),
    }


def run(env: BenchEnv) -> BenchResult:
    env.work_dir.mkdir(parents=True, exist_ok=True)
    catalog = SqlCatalog(lakehouse.CATALOG_NAME, **lakehouse.pyiceberg_properties(env.settings))
    measured = _dagster_loop(env, catalog)
    baseline = _in_session_loop(env, catalog)
    return BenchResult(
        name="freshness",
        metric="p95_seconds (lower is better)",
        figures=measured,
        baseline=baseline,
        ratio=(measured["p95_s"] or 0) / (baseline["p95_s"] or 1),
        goal="p95 <= 15 s at 1k events/s with the sensor running",
        notes=[
            f"rate {RATE:.0f} events/s for {DURATION_S:.0f} s per mode (all topics; freshness read on {TOPIC}); "
            f"rows of the first {WARM_UP_S:.0f} s left out",
            "visibility = commit time of the Iceberg snapshot that added the row",
        ],
    )
