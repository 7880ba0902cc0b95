"""Bronze ingest throughput against a plain Spark Kafka → Parquet pass-through.

Both read the same topic with the same Spark session, ``availableNow`` trigger and
``maxOffsetsPerTrigger``; the baseline writes the raw Kafka columns to Parquet files, the
measured path is ``streaming.bronze.ingest_topic`` into the partitioned Iceberg table.
Goal (issue 5): bronze ≥ 70% of the pass-through rate.
"""

from __future__ import annotations

import os
import time

from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic
from pyspark.sql import SparkSession

from bench.harness import BenchEnv, BenchResult
from shop_analytics.streaming.bronze import IngestRequest, ingest_topic

RECORDS = int(os.environ.get("BENCH_INGEST_RECORDS", "300000"))
RECORD_BYTES = 250
MAX_PER_TRIGGER = 100_000


def _produce(bootstrap: str, topic: str, count: int) -> None:
    admin = AdminClient({"bootstrap.servers": bootstrap})  # must outlive its futures
    admin.create_topics([NewTopic(topic, num_partitions=3, replication_factor=1)])[topic].result(timeout=30)
    producer = Producer(
        {"bootstrap.servers": bootstrap, "acks": "all", "linger.ms": 20, "compression.type": "lz4", "batch.size": 1_000_000}
    )
    payload = os.urandom(RECORD_BYTES)
    for i in range(count):
        while True:
            try:
                producer.produce(topic, key=str(i % 997).encode(), value=payload)
                break
            except BufferError:
                producer.poll(0.05)
    assert producer.flush(60) == 0


def _passthrough(spark: SparkSession, bootstrap: str, topic: str, out: str) -> float:
    started = time.perf_counter()
    query = (
        spark.readStream.format("kafka")
        .option("kafka.bootstrap.servers", bootstrap)
        .option("subscribe", topic)
        .option("startingOffsets", "earliest")
        .option("maxOffsetsPerTrigger", str(MAX_PER_TRIGGER))
        .load()
        .writeStream.format("parquet")
        .option("path", f"{out}/data")
        .option("checkpointLocation", f"{out}/checkpoint")
        .trigger(availableNow=True)
        .start()
    )
    query.awaitTermination()
    return time.perf_counter() - started


def _bronze(spark: SparkSession, bootstrap: str, topic: str, out: str) -> float:
    started = time.perf_counter()
    result = ingest_topic(
        spark,
        IngestRequest(bootstrap, topic, f"bench.{topic.replace('-', '_')}", f"{out}/checkpoint", MAX_PER_TRIGGER),
    )
    elapsed = time.perf_counter() - started
    assert result.rows > 0
    return elapsed


def run(env: BenchEnv) -> BenchResult:
    builder = SparkSession.builder
    for key, value in env.spark_conf.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    work = str(env.work_dir / "ingest")

    # Warm the JVM (class loading, JIT) on a small topic through both paths first.
    _produce(env.kafka_bootstrap, "bench-warmup", 20_000)
    _passthrough(spark, env.kafka_bootstrap, "bench-warmup", f"{work}/warm-pass")
    _bronze(spark, env.kafka_bootstrap, "bench-warmup", f"{work}/warm-bronze")

    _produce(env.kafka_bootstrap, "bench-ingest", RECORDS)
    baseline_s = _passthrough(spark, env.kafka_bootstrap, "bench-ingest", f"{work}/pass")
    bronze_s = _bronze(spark, env.kafka_bootstrap, "bench-ingest", f"{work}/bronze")
    spark.stop()

    bronze_rate = RECORDS / bronze_s
    baseline_rate = RECORDS / baseline_s
    return BenchResult(
        name="ingest",
        metric="records_per_s",
        figures={"records": RECORDS, "record_bytes": RECORD_BYTES, "seconds": round(bronze_s, 2), "records_per_s": round(bronze_rate)},
        baseline={"what": "Spark Kafka -> Parquet pass-through, same session and trigger", "seconds": round(baseline_s, 2), "records_per_s": round(baseline_rate)},
        ratio=bronze_rate / baseline_rate,
        goal="bronze >= 0.70 x pass-through",
        notes=[f"maxOffsetsPerTrigger={MAX_PER_TRIGGER}", "Spark local[2]"],
    )
