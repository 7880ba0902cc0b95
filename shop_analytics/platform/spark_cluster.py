"""A Spark standalone cluster on this machine: one master and one worker from the pyspark install.

The same ingest that runs in ``local[2]`` runs here when the Spark master setting
(``SHOP_SPARK_MASTER``, read in ``resources/environments.py``) names this master's URL.
Both daemons are ``pyspark/bin/spark-class`` processes bound to the platform host, with
their logs and PID files in the run folder and the worker's scratch space under
``<state>/spark``; they are stopped by PID, the worker first (its process group holds the
executors it launched).

Ports are arguments, not platform settings: the master's RPC port (7077, Spark's default),
its web UI (8080, Spark's default; its ``/json/`` is how readiness and status are read) and
the worker's web UI (8091: Spark's default 8081 is the schema registry's port). The worker's
RPC port is left to the OS. What ``start`` used is recorded in ``spark-cluster.json`` under
the run folder, so ``status`` and a second ``start`` need no arguments.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import urllib.request
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from shop_analytics.platform import process
from shop_analytics.platform.errors import PlatformError
from shop_analytics.platform.java import java_executable
from shop_analytics.platform.services import ServiceStatus
from shop_analytics.platform.settings import PlatformSettings

log = logging.getLogger(__name__)

MASTER = "spark-master"
WORKER = "spark-worker"
MASTER_CLASS = "org.apache.spark.deploy.master.Master"
WORKER_CLASS = "org.apache.spark.deploy.worker.Worker"

DEFAULT_MASTER_PORT = 7077
DEFAULT_WEBUI_PORT = 8080
DEFAULT_WORKER_WEBUI_PORT = 8091
DEFAULT_CORES = 2
DEFAULT_MEMORY = "1g"
# Heap of each daemon (the master and the worker only schedule; executors have their own).
DAEMON_MEMORY = "256m"
# One executor per application fits the worker above: all its cores, half its memory.
EXECUTOR_MEMORY = "512m"


@dataclass(frozen=True)
class ClusterConfig:
    """Where the cluster listens and what the worker offers; recorded by ``start``."""

    master_port: int = DEFAULT_MASTER_PORT
    webui_port: int = DEFAULT_WEBUI_PORT
    worker_webui_port: int = DEFAULT_WORKER_WEBUI_PORT
    cores: int = DEFAULT_CORES
    memory: str = DEFAULT_MEMORY


def master_files(settings: PlatformSettings) -> process.ServiceFiles:
    return process.ServiceFiles(MASTER, settings.run_dir)


def worker_files(settings: PlatformSettings) -> process.ServiceFiles:
    return process.ServiceFiles(WORKER, settings.run_dir)


def master_url(settings: PlatformSettings, config: ClusterConfig) -> str:
    """What ``SHOP_SPARK_MASTER`` (``spark.master``) is set to for this cluster."""
    return f"spark://{settings.host}:{config.master_port}"


def webui_url(settings: PlatformSettings, config: ClusterConfig) -> str:
    return f"http://{settings.host}:{config.webui_port}"


def executor_conf(cores_max: int = DEFAULT_CORES, executor_memory: str = EXECUTOR_MEMORY) -> dict[str, str]:
    """Spark settings an application needs on a standalone master of this machine.

    Without ``spark.cores.max`` one application takes every core the cluster has; the
    executors' Python is the driver's (only Python UDFs use it; decoding runs in the JVM).
    """
    return {
        "spark.cores.max": str(cores_max),
        "spark.executor.memory": executor_memory,
        "spark.pyspark.python": sys.executable,
    }


def recorded_config(settings: PlatformSettings) -> ClusterConfig | None:
    """The configuration the running (or last) cluster was started with, if any."""
    try:
        return ClusterConfig(**json.loads(_config_file(settings).read_text()))
    except (OSError, ValueError, TypeError):
        return None


def start(settings: PlatformSettings, config: ClusterConfig | None = None) -> ClusterConfig:
    """Start the master and the worker unless they run; wait until the worker has registered.

    A running cluster keeps the configuration it was started with, which is returned.
    """
    running = process.read_pid(master_files(settings))
    if running is not None:
        config = recorded_config(settings) or config or ClusterConfig()
        log.info("%s already running (pid %d) on %s", MASTER, running, master_url(settings, config))
    else:
        config = config or ClusterConfig()
    _check(config)
    spark_home = _spark_home()
    java = java_executable(settings, purpose="Spark")
    env = _daemon_env(settings, spark_home, java)
    started: list[process.ServiceFiles] = []
    try:
        if running is None:
            process.ensure_port_free(settings.host, config.master_port, "--master-port")
            process.ensure_port_free(settings.host, config.webui_port, "--webui-port")
            _config_file(settings).parent.mkdir(parents=True, exist_ok=True)
            _config_file(settings).write_text(json.dumps(asdict(config)))
            cmd = [
                str(spark_home / "bin" / "spark-class"), MASTER_CLASS,
                "--host", settings.host,
                "--port", str(config.master_port),
                "--webui-port", str(config.webui_port),
            ]  # fmt: skip
            _start(settings, master_files(settings), cmd, env, lambda: master_ready(settings, config))
            started.append(master_files(settings))
        worker = process.read_pid(worker_files(settings))
        if worker is not None:
            log.info("%s already running (pid %d)", WORKER, worker)
        else:
            process.ensure_port_free(settings.host, config.worker_webui_port, "--worker-webui-port")
            work_dir = settings.state_dir / "spark" / "work"
            work_dir.mkdir(parents=True, exist_ok=True)
            cmd = [
                str(spark_home / "bin" / "spark-class"), WORKER_CLASS,
                "--host", settings.host,
                "--webui-port", str(config.worker_webui_port),
                "--cores", str(config.cores),
                "--memory", config.memory,
                "--work-dir", str(work_dir),
                master_url(settings, config),
            ]  # fmt: skip
            _start(settings, worker_files(settings), cmd, env, lambda: worker_ready(settings, config))
            started.append(worker_files(settings))
    except BaseException:
        for files in reversed(started):  # do not leave half a cluster behind
            process.stop_service(files)
        raise
    return config


def stop(settings: PlatformSettings) -> list[str]:
    """Stop the worker (and its executors), then the master, by PID; return the names stopped."""
    return [files.name for files in (worker_files(settings), master_files(settings)) if process.stop_service(files)]


def status(settings: PlatformSettings) -> list[ServiceStatus]:
    config = recorded_config(settings) or ClusterConfig()
    master_pid = process.read_pid(master_files(settings))
    worker_pid = process.read_pid(worker_files(settings))
    return [
        ServiceStatus(
            MASTER,
            f"{master_url(settings, config)} (UI {webui_url(settings, config)})",
            master_pid,
            master_pid is not None and master_ready(settings, config),
        ),
        ServiceStatus(
            WORKER,
            f"{config.cores} cores, {config.memory} (UI http://{settings.host}:{config.worker_webui_port})",
            worker_pid,
            worker_pid is not None and worker_ready(settings, config),
        ),
    ]


def master_state(settings: PlatformSettings, config: ClusterConfig, timeout_s: float = 2.0) -> dict | None:
    """The master's ``/json/`` (status, workers, active and completed apps), or None."""
    if not process.port_open(settings.host, config.webui_port):
        return None
    try:
        with urllib.request.urlopen(f"{webui_url(settings, config)}/json/", timeout=timeout_s) as response:
            return json.loads(response.read())
    except (OSError, ValueError):
        return None


def master_ready(settings: PlatformSettings, config: ClusterConfig) -> bool:
    state = master_state(settings, config)
    return bool(state) and state.get("status") == "ALIVE" and process.port_open(settings.host, config.master_port)


def worker_ready(settings: PlatformSettings, config: ClusterConfig) -> bool:
    """True when the master lists our worker (by its web UI port) as ALIVE."""
    state = master_state(settings, config) or {}
    suffix = f":{config.worker_webui_port}"
    return any(
        w.get("state") == "ALIVE" and str(w.get("webuiaddress", "")).rstrip("/").endswith(suffix)
        for w in state.get("workers", [])
    )


def explain_failure(log: str) -> str | None:
    bind = re.search(r"Service '(\w+)' could not bind on port (\d+)", log)
    if bind or "BindException" in log or "Address already in use" in log:
        where = f"port {bind.group(2)}" if bind else "a port it needs"
        return f"{where} on the platform host is taken: pass free ports (--master-port, --webui-port, --worker-webui-port)"
    if "UnsupportedClassVersionError" in log:
        return "the Java runtime does not suit Spark 3.5: set JAVA_HOME or SHOP_JAVA to a Java 17"
    if "Failed to connect to master" in log or "All masters are unresponsive" in log:
        return "it could not reach the master: check `shop-analytics platform spark-cluster status`"
    if "OutOfMemoryError" in log:
        return "it ran out of memory"
    match = re.search(r"(?:ERROR|FATAL) (.+)", log)
    return match.group(1)[:300] if match else None


# ---------------------------------------------------------------------------------------


def _config_file(settings: PlatformSettings) -> Path:
    return settings.run_dir / "spark-cluster.json"


def _check(config: ClusterConfig) -> None:
    ports = {
        "--master-port": config.master_port,
        "--webui-port": config.webui_port,
        "--worker-webui-port": config.worker_webui_port,
    }
    for option, port in ports.items():
        if not 0 < port < 65536:
            raise PlatformError(f"{option} {port} is not a TCP port: use 1-65535")
    if len(set(ports.values())) < len(ports):
        raise PlatformError(f"the Spark cluster's ports must differ, got {ports}")
    if config.cores < 1:
        raise PlatformError(f"--cores {config.cores}: the worker needs at least one core")
    if not re.fullmatch(r"\d+[mg]", config.memory):
        raise PlatformError(f"--memory {config.memory!r} is not a Spark memory size: use e.g. 1g or 768m")


def _spark_home() -> Path:
    try:
        import pyspark
    except ImportError:
        raise PlatformError("pyspark is not installed: run `make install` (or pip install the project)") from None
    home = Path(pyspark.__file__).parent
    if not (home / "bin" / "spark-class").exists() or not (home / "jars").is_dir():
        raise PlatformError(f"{home} has no bin/spark-class or jars/: reinstall pyspark from PyPI")
    return home


def _daemon_env(settings: PlatformSettings, spark_home: Path, java: str) -> dict[str, str]:
    # spark-class runs $JAVA_HOME/bin/java; /usr/bin/java is a link into the JDK folder.
    java_home = Path(os.path.realpath(java)).parent.parent
    local_dir = settings.state_dir / "spark" / "local"
    local_dir.mkdir(parents=True, exist_ok=True)
    return {
        "SPARK_HOME": str(spark_home),
        "JAVA_HOME": str(java_home),
        "SPARK_DAEMON_MEMORY": DAEMON_MEMORY,
        "SPARK_LOCAL_IP": settings.host,
        # Executors' shuffle and spill files: under the state folder, not /tmp.
        "SPARK_LOCAL_DIRS": str(local_dir),
        "PYSPARK_PYTHON": sys.executable,
    }


def _start(
    settings: PlatformSettings,
    files: process.ServiceFiles,
    cmd: list[str],
    env: dict[str, str],
    ready: Callable[[], bool],
) -> int:
    pid = process.start_process(files, cmd, cwd=settings.state_dir, env=env)
    process.wait_until(ready, files, pid, settings.start_timeout_s, explain_failure)
    return pid
