"""What every benchmark shares: the machine facts, the result shape, the JSON file."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

RESULTS_DIR = Path(__file__).resolve().parent / "results"


@dataclass
class BenchResult:
    """Figures of the thing measured beside a baseline measured in the same run.

    ``ratio`` is figure / baseline for the headline metric (higher is better unless the
    benchmark says otherwise in ``notes``); both are measured back to back because these
    machines are noisy and only same-run ratios compare across days.
    """

    name: str
    metric: str
    figures: dict[str, Any]
    baseline: dict[str, Any]
    ratio: float
    goal: str = ""
    notes: list[str] = field(default_factory=list)


@dataclass
class BenchEnv:
    """Services a benchmark may use (started by the runner on private ports)."""

    kafka_bootstrap: str
    schema_registry_url: str
    spark_conf: dict[str, str]
    work_dir: Path
    state_dir: Path
    settings: Any = None  # the private platform's PlatformSettings (for benchmarks that run the code location)

    def spark_session(self) -> Any:
        """The benchmark process's SparkSession, configured as the pyspark resource is."""
        from pyspark.sql import SparkSession

        builder = SparkSession.builder
        for key, value in self.spark_conf.items():
            builder = builder.config(key, value)
        spark = builder.getOrCreate()
        spark.sparkContext.setLogLevel("ERROR")
        return spark


def machine_facts() -> dict[str, Any]:
    java = subprocess.run(["java", "-version"], capture_output=True, text=True, check=False).stderr.splitlines()
    mem_kib = 0
    try:
        mem_kib = int(next(line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")).split()[1])
    except (OSError, StopIteration, ValueError):
        pass
    return {
        "cpus": os.cpu_count(),
        "memory_gib": round(mem_kib / 1024 / 1024, 1),
        "python": platform.python_version(),
        "java": java[0] if java else "unknown",
        "platform": platform.platform(),
        "load_avg_1m": os.getloadavg()[0],
    }


def write_result(result: BenchResult) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{result.name}.json"
    payload = {
        **asdict(result),
        "ratio": round(result.ratio, 4),
        "machine": machine_facts(),
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    path.write_text(json.dumps(payload, indent=2, sort_keys=False) + "\n")
    return path


@contextmanager
def timed() -> Iterator[dict[str, float]]:
    import time

    box: dict[str, float] = {}
    start = time.perf_counter()
    try:
        yield box
    finally:
        box["seconds"] = time.perf_counter() - start
