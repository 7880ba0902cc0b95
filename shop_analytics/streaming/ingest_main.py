"""Run one bronze ingest (``bronze.ingest_topic``) for one topic in a process of its own.

    python -m shop_analytics.streaming.ingest_main --bootstrap 127.0.0.1:9092 \\
        --registry-url http://127.0.0.1:8081/apis/ccompat/v7 --topic shop.clickstream \\
        --table bronze.clickstream --dead-letter-table bronze.dead_letter \\
        --checkpoint .platform/checkpoints/clickstream

The Spark session is configured like the pyspark resource's: ``lakehouse.spark_conf`` of the
platform settings (``SHOP_*`` variables; ``--state-dir``/``--cache-dir`` override them),
jar globs expanded, the shared SQL catalog's tables created first. The process owns its JVM,
so it can be killed as a whole (the exactly-once tests do). On success it prints one JSON
line: rows, micro-batches and each batch's id, counts and skipped (already committed) tables.
Exit status 0 on success, 1 when the ingest fails, 2 for a bad argument or platform setting.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

from pyspark.sql import SparkSession

from shop_analytics.platform import lakehouse, spark_cluster
from shop_analytics.platform.errors import PlatformError
from shop_analytics.platform.settings import PlatformSettings
from shop_analytics.streaming.bronze import DEFAULT_MAX_OFFSETS_PER_TRIGGER, IngestRequest, IngestResult, ingest_topic


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {value}")
    return value


def _qualified_table(text: str) -> str:
    if "." not in text.strip(".") or " " in text:
        raise argparse.ArgumentTypeError(f"{text!r} is not namespace.table")
    return text


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m shop_analytics.streaming.ingest_main",
        description="Ingest one Kafka topic into its bronze and dead-letter Iceberg tables (availableNow).",
    )
    p.add_argument("--bootstrap", required=True, help="Kafka bootstrap servers, host:port[,host:port]")
    p.add_argument("--registry-url", required=True, help="Confluent-compatible schema registry base URL")
    p.add_argument("--topic", required=True)
    p.add_argument("--table", required=True, type=_qualified_table, help="bronze table, namespace.table")
    p.add_argument("--dead-letter-table", required=True, type=_qualified_table, help="namespace.table")
    p.add_argument("--checkpoint", required=True, help="Structured Streaming checkpoint folder or URI")
    p.add_argument("--max-offsets-per-trigger", type=_positive_int, default=DEFAULT_MAX_OFFSETS_PER_TRIGGER)
    p.add_argument("--state-dir", type=Path, help="platform state folder (catalog, warehouse); default SHOP_STATE_DIR")
    p.add_argument("--cache-dir", type=Path, help="jar cache folder; default SHOP_CACHE_DIR")
    p.add_argument("--master", default="local[2]", help="Spark master (default local[2])")
    return p


def platform_settings(args: argparse.Namespace) -> PlatformSettings:
    overrides = {k: v for k, v in (("state_dir", args.state_dir), ("cache_dir", args.cache_dir)) if v is not None}
    return PlatformSettings.from_env(**overrides)


def spark_session(settings: PlatformSettings, master: str, app_name: str) -> SparkSession:
    """A SparkSession on the shared lakehouse catalog, as the pyspark resource builds it."""
    lakehouse.ensure_catalog_tables(lakehouse.pyiceberg_properties(settings))
    conf = lakehouse.expand_jar_globs(lakehouse.spark_conf(settings, master=master))
    if master.startswith("spark://"):
        conf.update(spark_cluster.executor_conf())
    builder = SparkSession.builder
    for key, value in {**conf, "spark.app.name": app_name}.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def summary(result: IngestResult) -> dict[str, object]:
    return {
        "rows": result.rows,
        "bronze_rows": result.bronze_rows,
        "dead_letter_rows": result.dead_letter_rows,
        "duration_s": round(result.duration_s, 3),
        "batches": [asdict(b) for b in result.batches],
    }


_PYTHON_ERROR = re.compile(r"^[A-Za-z_][\w.]*: \S")  # "module.SomeError: what happened"


def _cause(exc: BaseException) -> str:
    """The line of a failed query's message that says why.

    An error raised in the batch function reaches here wrapped ("An exception was raised by
    the Python Proxy") with its Python traceback: the traceback's last exception line says
    why. Otherwise the message's first line.
    """
    text = str(exc).strip()
    if not text:
        return type(exc).__name__
    if "Traceback (most recent call last):" in text:
        python_part = text.split("Traceback (most recent call last):", 1)[1].splitlines()
        errors = [line.strip() for line in python_part if _PYTHON_ERROR.match(line.strip())]
        if errors:
            return errors[-1]
    return text.splitlines()[0]


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    request = IngestRequest(
        bootstrap_servers=args.bootstrap,
        topic=args.topic,
        table=args.table,
        dead_letter_table=args.dead_letter_table,
        checkpoint=args.checkpoint,
        registry_url=args.registry_url,
        max_offsets_per_trigger=args.max_offsets_per_trigger,
    )
    try:
        settings = platform_settings(args)
        session = spark_session(settings, args.master, f"shop-analytics-ingest-{args.topic}")
    except PlatformError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        result = ingest_topic(session, request)
    except Exception as exc:  # a failed query: one line, not a JVM stack trace
        print(f"error: ingest of {args.topic} failed: {_cause(exc)[:500]}", file=sys.stderr)
        return 1
    finally:
        session.stop()
    print(json.dumps(summary(result)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
