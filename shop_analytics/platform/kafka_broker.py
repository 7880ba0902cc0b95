"""A single-node Kafka broker in KRaft mode (broker and controller in one JVM).

Runs ``kafka.Kafka`` from the jars resolved by ``jars.KAFKA_BROKER``; storage is
formatted once with a cluster id kept under the state folder, so data survives restarts.
"""

from __future__ import annotations

import base64
import re
import subprocess
import uuid
from pathlib import Path

from confluent_kafka.admin import AdminClient

from shop_analytics.platform import jars, process
from shop_analytics.platform.errors import PlatformError
from shop_analytics.platform.java import java_executable
from shop_analytics.platform.settings import PlatformSettings

NAME = "kafka"

LOG4J2 = """\
# Broker log: everything to server.log under the run folder (rolled at 50 MB).
name=kafka
# Kafka's own shutdown hook logs the shutdown; log4j2's hook would cut it off.
shutdownHook=disable
appender.file.type=RollingFile
appender.file.name=FILE
appender.file.fileName=${sys:kafka.logs.dir}/kafka-server.log
appender.file.filePattern=${sys:kafka.logs.dir}/kafka-server.log.%i
appender.file.layout.type=PatternLayout
appender.file.layout.pattern=[%d] %p %m (%c)%n
appender.file.policies.type=Policies
appender.file.policies.size.type=SizeBasedTriggeringPolicy
appender.file.policies.size.size=50MB
appender.file.strategy.type=DefaultRolloverStrategy
appender.file.strategy.max=3
appender.err.type=Console
appender.err.name=STDERR
appender.err.target=SYSTEM_ERR
appender.err.layout.type=PatternLayout
appender.err.layout.pattern=[%d] %p %m (%c)%n
appender.err.filter.threshold.type=ThresholdFilter
appender.err.filter.threshold.level=ERROR
rootLogger.level=INFO
rootLogger.appenderRef.file.ref=FILE
rootLogger.appenderRef.err.ref=STDERR
"""


def files(settings: PlatformSettings) -> process.ServiceFiles:
    return process.ServiceFiles(NAME, settings.run_dir)


def server_properties(settings: PlatformSettings) -> str:
    host, port, cport = settings.host, settings.kafka_port, settings.kafka_controller_port
    return "\n".join(
        [
            "process.roles=broker,controller",
            "node.id=1",
            f"listeners=PLAINTEXT://{host}:{port},CONTROLLER://{host}:{cport}",
            f"advertised.listeners=PLAINTEXT://{host}:{port}",
            "controller.listener.names=CONTROLLER",
            "inter.broker.listener.name=PLAINTEXT",
            "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            f"controller.quorum.bootstrap.servers={host}:{cport}",
            f"log.dirs={settings.kafka_data_dir / 'logs'}",
            # A metadata log dir of its own is locked at start-up, so a second broker on
            # the same folders fails at once instead of taking over the raft log.
            f"metadata.log.dir={settings.kafka_data_dir / 'meta'}",
            # One broker: every internal topic has a single replica.
            "num.partitions=1",
            "default.replication.factor=1",
            "min.insync.replicas=1",
            "offsets.topic.replication.factor=1",
            "transaction.state.log.replication.factor=1",
            "transaction.state.log.min.isr=1",
            "share.coordinator.state.topic.replication.factor=1",
            "share.coordinator.state.topic.min.isr=1",
            "group.initial.rebalance.delay.ms=0",
            # Topics are created on purpose, with their partition counts, by the producers.
            "auto.create.topics.enable=false",
            "log.retention.hours=168",
            # Small machine: few internal partitions and threads start and recover faster.
            "offsets.topic.num.partitions=1",
            "transaction.state.log.num.partitions=1",
            "share.coordinator.state.topic.num.partitions=1",
            "num.network.threads=2",
            "num.io.threads=4",
            "background.threads=4",
            "",
        ]
    )


def new_cluster_id() -> str:
    """A Kafka cluster id: 16 random bytes, URL-safe base64 without padding (22 chars).

    One that starts with '-' would be read as an option by the storage tool: draw again.
    """
    while True:
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
        if not cluster_id.startswith("-"):
            return cluster_id


def _write_config(settings: PlatformSettings) -> Path:
    config_dir = settings.kafka_data_dir / "config"
    config_dir.mkdir(parents=True, exist_ok=True)
    (config_dir / "log4j2.properties").write_text(LOG4J2)
    config = config_dir / "server.properties"
    config.write_text(server_properties(settings))
    return config


def _jvm_base(settings: PlatformSettings, java: str, heap: str) -> list[str]:
    classpath = str(jars.resolve(settings, jars.KAFKA_BROKER) / "*")
    return [
        java,
        f"-Xmx{heap}",
        "-Xms128m",
        "-XX:+UseG1GC",
        "-XX:MaxGCPauseMillis=20",
        "-XX:+ExitOnOutOfMemoryError",
        "-Djava.awt.headless=true",
        f"-Dlog4j2.configurationFile={settings.kafka_data_dir / 'config' / 'log4j2.properties'}",
        f"-Dkafka.logs.dir={settings.run_dir}",
        "-cp",
        classpath,
    ]


def _format_storage(settings: PlatformSettings, java: str, config: Path) -> None:
    """Format the KRaft log dir once; a formatted dir keeps its cluster id."""
    if (settings.kafka_data_dir / "meta" / "meta.properties").exists():
        return
    cluster_id_file = settings.kafka_data_dir / "cluster.id"
    if not cluster_id_file.exists():
        cluster_id_file.write_text(new_cluster_id())
    cmd = [
        *_jvm_base(settings, java, "256m"),
        "kafka.tools.StorageTool",
        "format",
        "--cluster-id",
        cluster_id_file.read_text().strip(),
        "--config",
        str(config),
        "--standalone",
        "--ignore-formatted",
    ]
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        last = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no output"]
        raise PlatformError(f"formatting Kafka storage in {settings.kafka_data_dir} failed: {last[0][:300]}")


def start(settings: PlatformSettings) -> int:
    """Start the broker unless it runs; wait until it accepts connections; return its PID."""
    service = files(settings)
    pid = process.read_pid(service)
    if pid is not None:
        return pid
    java = java_executable(settings)
    process.ensure_port_free(settings.host, settings.kafka_port, "SHOP_KAFKA_PORT")
    process.ensure_port_free(settings.host, settings.kafka_controller_port, "SHOP_KAFKA_CONTROLLER_PORT")
    config = _write_config(settings)
    _format_storage(settings, java, config)
    cmd = [*_jvm_base(settings, java, settings.kafka_heap), "kafka.Kafka", str(config)]
    pid = process.start_process(service, cmd, cwd=settings.kafka_data_dir)
    process.wait_until(
        lambda: is_ready(settings), service, pid, settings.start_timeout_s, explain_failure
    )
    return pid


def is_ready(settings: PlatformSettings, timeout_s: float = 2.0) -> bool:
    """True when the broker answers a metadata request and every partition has a leader."""
    if not process.port_open(settings.host, settings.kafka_port):
        return False
    admin = AdminClient({"bootstrap.servers": settings.kafka_bootstrap, "socket.timeout.ms": 2000})
    try:
        metadata = admin.list_topics(timeout=timeout_s)
    except Exception:  # any client error means "not ready yet"
        return False
    # After a restart the broker answers before it has loaded its logs: a partition
    # without a leader would fail the first offsets request, so that is not ready yet.
    leaderless = any(
        partition.leader < 0 or partition.error is not None
        for topic in metadata.topics.values()
        for partition in topic.partitions.values()
    )
    return bool(metadata.brokers) and not leaderless


def stop(settings: PlatformSettings) -> bool:
    # A clean broker shutdown flushes logs and can take several seconds.
    return process.stop_service(files(settings), timeout_s=60.0)


def explain_failure(log: str) -> str | None:
    bind = re.search(r"failed to bind to (\S+): Address already in use", log)
    if bind or "BindException" in log:
        where = bind.group(1) if bind else "a port it needs"
        return f"{where} is taken: set SHOP_KAFKA_PORT / SHOP_KAFKA_CONTROLLER_PORT to free ports"
    if "Failed to acquire lock" in log:
        return "another broker uses the same data folder: run `shop-analytics platform down` or set SHOP_STATE_DIR"
    if "InconsistentClusterIdException" in log or "Invalid cluster.id" in log:
        return "its data folder belongs to another cluster: remove the state folder's kafka/ or point SHOP_STATE_DIR elsewhere"
    if "OutOfMemoryError" in log:
        return "it ran out of memory: raise SHOP_KAFKA_HEAP"
    match = re.search(r"(?:ERROR|FATAL) (.+)", log)
    return match.group(1)[:300] if match else None
