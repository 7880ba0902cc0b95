"""Backfill: 30 simulated days of the default world through every stage of the platform.

simulate → bronze (bronze_ingest_job) → silver (silver_job) → gold (gold_job, dbt), run
through the real code location in this process, as the demo and `dagster dev` run them.
Each stage's wall time is measured, and the peak memory of the whole local stack (this
process and its children — the Spark driver JVM, dbt and its JVM — plus the broker and the
registry) is sampled every 0.5 s.

Baseline, measured in the same run: a plain Spark Kafka → Parquet pass-through of every
event topic (the bytes moved once, no decoding, no tables). The ratio is the pipeline's
end-to-end events/s over the pass-through's: how much the platform costs over moving the
bytes once.
"""

from __future__ import annotations

import os
import threading
import time
from datetime import UTC, datetime

import psutil
from dagster import DagsterInstance

from bench.harness import BenchEnv, BenchResult
from shop_analytics.definitions import build_definitions
from shop_analytics.resources.alerts import build_alerts_resource
from shop_analytics.resources.environments import local_resources
from shop_analytics.resources.quality import build_quality_resource
from shop_analytics.schemas.topics import event_topics
from shop_analytics.simulator.config import SimulationConfig
from shop_analytics.simulator.runner import run_simulation
from shop_analytics.simulator.world import WorldSize

DAYS = 30
GOAL_SECONDS = 15 * 60
GOAL_PEAK_GIB = 6.0
QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


class StackMemory:
    """Peak resident memory of this process tree plus the platform's services."""

    def __init__(self, state_dir: str) -> None:
        self.state_dir = state_dir
        self.peak_bytes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> StackMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def current(self) -> int:
        me = psutil.Process(os.getpid())
        processes = {me.pid: me, **{p.pid: p for p in me.children(recursive=True)}}
        for proc in psutil.process_iter(["cmdline"]):
            if self.state_dir in " ".join(proc.info["cmdline"] or ()):
                processes.setdefault(proc.pid, proc)
        total = 0
        for proc in processes.values():
            try:
                total += proc.memory_info().rss
            except psutil.Error:
                continue
        return total

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak_bytes = max(self.peak_bytes, self.current())
            self._stop.wait(0.5)


def _passthrough_seconds(env: BenchEnv, topics: list[str]) -> float:
    spark = env.spark_session()
    started = time.perf_counter()
    query = (
        spark.readStream.format("kafka")
        .option("kafka.bootstrap.servers", env.kafka_bootstrap)
        .option("subscribe", ",".join(topics))
        .option("startingOffsets", "earliest")
        .option("maxOffsetsPerTrigger", "200000")
        .load()
        .writeStream.format("parquet")
        .option("path", str(env.work_dir / "passthrough" / "data"))
        .option("checkpointLocation", str(env.work_dir / "passthrough" / "checkpoint"))
        .trigger(availableNow=True)
        .start()
    )
    query.awaitTermination()
    return time.perf_counter() - started


def _run_job(defs, instance: DagsterInstance, name: str) -> float:
    started = time.perf_counter()
    result = defs.resolve_job_def(name).execute_in_process(instance=instance, run_config=QUIET)
    if not result.success:
        raise RuntimeError(f"{name} failed in the backfill benchmark")
    return time.perf_counter() - started


def run(env: BenchEnv) -> BenchResult:
    settings = env.settings
    end_ms = int(datetime.now(UTC).timestamp() * 1000) // 86_400_000 * 86_400_000
    world = WorldSize()
    stages: dict[str, float] = {}
    with StackMemory(str(settings.state_dir)) as memory:
        started = time.perf_counter()
        summary = run_simulation(
            SimulationConfig(
                days=DAYS,
                end_ms=end_ms,
                seed=2026,
                world=world,
                bootstrap=env.kafka_bootstrap,
                schema_registry_url=env.schema_registry_url,
            )
        )
        stages["simulate"] = time.perf_counter() - started
        assert summary.ok and summary.delivered == summary.produced
        environ = {"SHOP_STATE_DIR": str(settings.state_dir)}  # alerts log only: no Slack variable here
        resources = {
            **local_resources(settings),
            "alerts": build_alerts_resource(environ),
            "quality": build_quality_resource(environ),
        }
        defs = build_definitions(resources)
        with DagsterInstance.ephemeral() as instance:
            for stage, job in (("bronze", "bronze_ingest_job"), ("silver", "silver_job"), ("gold", "gold_job")):
                stages[stage] = _run_job(defs, instance, job)
                print(f"   {stage}: {stages[stage]:.1f} s", flush=True)
        total = sum(stages.values())
    events = summary.delivered
    event_topic_names = [spec.name for spec in event_topics()]
    baseline_s = _passthrough_seconds(env, event_topic_names)
    catalog = defs.resources["iceberg"].load()
    marts = {
        ".".join(t): int((catalog.load_table(t).current_snapshot().summary or {}).get("total-records", 0))
        for t in sorted(catalog.list_tables("gold"))
    }
    peak_gib = memory.peak_bytes / 2**30
    return BenchResult(
        name="backfill",
        metric="end_to_end_events_per_s",
        figures={
            "days": DAYS,
            "customers": world.customers,
            "products": world.products,
            "events": events,
            "stage_seconds": {k: round(v, 1) for k, v in stages.items()},
            "total_seconds": round(total, 1),
            "end_to_end_events_per_s": round(events / total),
            "peak_stack_memory_gib": round(peak_gib, 2),
            "goal_met": {"time": total <= GOAL_SECONDS, "memory": peak_gib <= GOAL_PEAK_GIB},
            "rows_per_mart": marts,
        },
        baseline={
            "what": "Spark Kafka → Parquet pass-through of the same event topics, same machine, same run",
            "seconds": round(baseline_s, 1),
            "events_per_s": round(events / baseline_s),
        },
        ratio=(events / total) / (events / baseline_s),
        goal=f"all stages <= {GOAL_SECONDS // 60} min and peak stack memory <= {GOAL_PEAK_GIB} GiB on 2 cores",
        notes=[
            "default world (WorldSize()), seed 2026, window ending today's UTC midnight",
            "stages run through the code location (build_definitions(local_resources(...))) in one process: "
            "bronze and silver share one SparkSession; dbt runs its own process and JVM",
            "memory: RSS summed over this process, its descendants and the broker/registry, sampled every 0.5 s",
        ],
    )
