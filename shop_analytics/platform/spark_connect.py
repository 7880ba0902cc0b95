"""The long-lived Spark of the local platform: a Spark Connect server on loopback.

A Dagster run is a new process; with a SparkSession of its own it starts a JVM, loads the
catalog and the jars, and compiles the plans anew, about 10 s before the first record
moves. Runs that ingest every few seconds instead connect to this server
(``SparkSession.builder.remote(settings.spark_connect_url)``) and reuse its JVM, its
warm code and its catalog: the pyspark resource does that when its ``remote`` is set.

Spark 3.5's own ``SparkConnectServer`` listens on every interface; the platform's
services listen on the platform host only, so the server here is started through
``java/LoopbackConnectServer.java`` (compiled once into the jar cache), which builds the
same gRPC service on ``host:port``. It runs with the lakehouse configuration of
``lakehouse.spark_conf`` (the catalog, Kafka source, Avro and Iceberg jars), through
pyspark's ``spark-submit``; the Python of this install runs its ``foreachBatch`` workers.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import subprocess
import sys
import zipfile
from importlib import resources
from pathlib import Path

from shop_analytics.platform import jars, lakehouse, process
from shop_analytics.platform.errors import PlatformError
from shop_analytics.platform.java import java_executable
from shop_analytics.platform.settings import PlatformSettings

log = logging.getLogger(__name__)

NAME = "spark-connect"
MAIN_CLASS = "shopanalytics.LoopbackConnectServer"
SOURCE = "LoopbackConnectServer.java"
# Settings spark-submit takes as arguments (the JVM exists before any --conf is read).
_SUBMIT_ONLY = {"spark.master", "spark.jars", "spark.driver.memory", "spark.app.name"}


def files(settings: PlatformSettings) -> process.ServiceFiles:
    return process.ServiceFiles(NAME, settings.run_dir)


def address(settings: PlatformSettings) -> str:
    return settings.spark_connect_url


def spark_home() -> Path:
    try:
        import pyspark
    except ImportError:
        raise PlatformError("pyspark is not installed: run `make install` (or pip install the project)") from None
    home = Path(pyspark.__file__).parent
    if not (home / "bin" / "spark-submit").exists() or not (home / "jars").is_dir():
        raise PlatformError(f"{home} has no bin/spark-submit or jars/: reinstall pyspark from PyPI")
    return home


def launcher_jar(settings: PlatformSettings, java: str) -> Path:
    """The compiled ``LoopbackConnectServer`` as a jar in the cache (compiled once per source)."""
    source = resources.files("shop_analytics.platform").joinpath("java", SOURCE).read_text()
    digest = hashlib.sha256(source.encode()).hexdigest()[:16]
    target = settings.jars_dir / "spark-connect-launcher" / f"loopback-connect-{digest}.jar"
    if target.is_file():
        return target
    javac = Path(os.path.realpath(java)).parent / "javac"
    if not javac.exists():
        raise PlatformError(
            f"no javac beside {java}: the Spark Connect launcher is compiled once with a JDK "
            "(Debian: apt-get install openjdk-17-jdk-headless), or set SHOP_JAVA to a JDK's java"
        )
    connect = jars.jar_files(settings, jars.SPARK_CONNECT)
    classpath = os.pathsep.join([str(spark_home() / "jars" / "*"), *map(str, connect)])
    build = target.parent / f"build-{digest}"
    build.mkdir(parents=True, exist_ok=True)
    (build / SOURCE).write_text(source)
    result = subprocess.run(
        [str(javac), "-nowarn", "-d", str(build / "classes"), "-cp", classpath, str(build / SOURCE)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if result.returncode != 0:
        raise PlatformError(f"compiling the Spark Connect launcher failed: {(result.stderr or result.stdout)[:500]}")
    partial = target.with_suffix(".partial")
    with zipfile.ZipFile(partial, "w") as jar:
        for path in sorted((build / "classes").rglob("*.class")):
            jar.write(path, path.relative_to(build / "classes").as_posix())
    partial.rename(target)
    return target


def submit_command(settings: PlatformSettings, java: str) -> list[str]:
    """spark-submit of the launcher with the lakehouse's Spark settings."""
    conf = lakehouse.spark_conf(settings)
    spark_jars = [str(p) for p in jars.jar_files(settings, jars.SPARK) + jars.jar_files(settings, jars.SPARK_CONNECT)]
    cmd = [
        str(spark_home() / "bin" / "spark-submit"),
        "--class", MAIN_CLASS,
        "--master", conf["spark.master"],
        "--name", "shop-analytics-spark-connect",
        "--driver-memory", settings.spark_connect_memory,
        "--jars", ",".join(spark_jars),
    ]  # fmt: skip
    # A long-lived server logs every request at INFO: warnings and errors are what matter.
    for key, value in sorted({**conf, "spark.log.level": "WARN"}.items()):
        if key not in _SUBMIT_ONLY:
            cmd += ["--conf", f"{key}={value}"]
    return [*cmd, str(launcher_jar(settings, java)), settings.host, str(settings.spark_connect_port)]


def start(settings: PlatformSettings) -> int:
    """Start the server unless it runs; wait until it accepts connections; return its PID."""
    service = files(settings)
    pid = process.read_pid(service)
    if pid is not None:
        return pid
    java = java_executable(settings, purpose="Spark")
    process.ensure_port_free(settings.host, settings.spark_connect_port, "SHOP_SPARK_CONNECT_PORT")
    lakehouse.ensure_catalog_tables(lakehouse.pyiceberg_properties(settings))
    local_dir = settings.state_dir / "spark" / "connect"
    local_dir.mkdir(parents=True, exist_ok=True)
    env = {
        "SPARK_HOME": str(spark_home()),
        # spark-submit runs $JAVA_HOME/bin/java; /usr/bin/java is a link into the JDK folder.
        "JAVA_HOME": str(Path(os.path.realpath(java)).parent.parent),
        "SPARK_LOCAL_IP": settings.host,
        "SPARK_LOCAL_DIRS": str(local_dir),
        # foreachBatch functions run in Python workers of this install (they import the project).
        "PYSPARK_PYTHON": sys.executable,
    }
    cmd = submit_command(settings, java)
    pid = process.start_process(service, cmd, cwd=settings.state_dir, env=env)
    process.wait_until(lambda: is_ready(settings), service, pid, settings.start_timeout_s, explain_failure)
    return pid


def is_ready(settings: PlatformSettings) -> bool:
    """True when the server's gRPC port accepts connections (it opens after the SparkContext)."""
    return process.port_open(settings.host, settings.spark_connect_port)


def stop(settings: PlatformSettings) -> bool:
    return process.stop_service(files(settings), timeout_s=30.0)


def explain_failure(log_text: str) -> str | None:
    if "BindException" in log_text or "Address already in use" in log_text:
        return "its port is taken: set SHOP_SPARK_CONNECT_PORT to a free port"
    if "OutOfMemoryError" in log_text:
        return "it ran out of memory: raise SHOP_SPARK_CONNECT_MEMORY"
    if "ClassNotFoundException" in log_text:
        match = re.search(r"ClassNotFoundException: (\S+)", log_text)
        return f"class {match.group(1) if match else '?'} is missing: remove the jar cache's spark-connect* folders and retry"
    match = re.search(r"(?:ERROR|Exception:?) (.+)", log_text)
    return match.group(1)[:300] if match else None
