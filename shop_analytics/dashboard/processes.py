"""Resource use of the local services: memory and CPU of the platform's processes.

The broker and the schema registry are found by their PID files (platform/process.py);
other JVMs on the machine (Spark drivers of streaming and dbt runs, a standalone Spark
cluster) and Dagster's processes are recognised by their command line. CPU is sampled
over a short interval for every process at once.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import psutil

CPU_SAMPLE_S = 0.2
COLUMNS = ["service", "pid", "rss_mib", "cpu_percent", "threads", "uptime_s"]

# Command-line markers, most specific first.
_MARKERS: tuple[tuple[str, str], ...] = (
    ("kafka.Kafka", "Kafka broker"),
    ("io.apicurio", "Schema registry"),
    ("quarkus", "Schema registry"),
    ("org.apache.spark.deploy.master.Master", "Spark master"),
    ("org.apache.spark.deploy.worker.Worker", "Spark worker"),
    ("org.apache.spark.deploy.SparkSubmit", "Spark driver"),
    ("dagster-webserver", "Dagster webserver"),
    ("dagster-daemon", "Dagster daemon"),
    ("dagster dev", "Dagster dev"),
    ("dagster._grpc", "Dagster code server"),
    ("dagster api grpc", "Dagster code server"),
    ("streamlit", "Dashboard"),
)


def classify(cmdline: Sequence[str]) -> str | None:
    """What a process is from its command line; None for a process of no platform service."""
    text = " ".join(cmdline)
    for marker, service in _MARKERS:
        if marker in text:
            return service
    if cmdline and Path(cmdline[0]).name == "java":
        return "Java (other)"
    return None


def _driver_owner(proc: psutil.Process) -> str:
    """A Spark driver JVM named by the Python process that started it (dbt, a Dagster run)."""
    try:
        parent = proc.parent()
        owner = " ".join(parent.cmdline()) if parent is not None else ""
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        owner = ""
    if "dbt" in owner:
        return "Spark driver (dbt)"
    if "dagster" in owner:
        return "Spark driver (Dagster run)"
    return "Spark driver"


def _pid_files(run_dir: Path | None) -> dict[int, str]:
    """PID → service name from ``<run_dir>/<service>.pid``."""
    found: dict[int, str] = {}
    if run_dir is None or not run_dir.is_dir():
        return found
    for pid_file in run_dir.glob("*.pid"):
        try:
            found[int(pid_file.read_text().strip())] = pid_file.stem
        except (OSError, ValueError):
            continue
    return found


def service_processes(run_dir: Path | None, sample_s: float = CPU_SAMPLE_S) -> pd.DataFrame:
    """One row per platform process: RSS (MiB), CPU % over ``sample_s``, threads, uptime."""
    by_pid = _pid_files(run_dir)
    chosen: list[tuple[psutil.Process, str]] = []
    for proc in psutil.process_iter(["pid", "cmdline"]):
        try:
            cmdline = proc.info["cmdline"] or []
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        label = classify(cmdline)
        if label == "Spark driver":
            label = _driver_owner(proc)
        if proc.pid in by_pid:
            label = {"kafka": "Kafka broker", "registry": "Schema registry"}.get(by_pid[proc.pid], by_pid[proc.pid])
        if label is not None:
            chosen.append((proc, label))
    for proc, _ in chosen:
        try:
            proc.cpu_percent(None)  # first call starts the interval
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    time.sleep(sample_s)
    now = time.time()
    rows = []
    for proc, label in chosen:
        try:
            with proc.oneshot():
                rows.append(
                    {
                        "service": label,
                        "pid": proc.pid,
                        "rss_mib": proc.memory_info().rss / 2**20,
                        "cpu_percent": proc.cpu_percent(None),
                        "threads": proc.num_threads(),
                        "uptime_s": now - proc.create_time(),
                    }
                )
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    frame = pd.DataFrame(rows, columns=COLUMNS)
    return frame.sort_values(["rss_mib"], ascending=False).reset_index(drop=True)
