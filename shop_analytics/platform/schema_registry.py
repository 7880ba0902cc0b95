"""A Confluent-compatible schema registry: Apicurio Registry 3.3 from Maven Central.

confluent-kafka's SchemaRegistryClient and Avro serdes talk to its ``/apis/ccompat/v7``
API. Storage is SQL on an H2 database file under the state folder, so schemas and their
ids survive a restart. Apicurio 3.3 is Java 21 bytecode; ``java.java_executable`` finds
a new enough runtime.
"""

from __future__ import annotations

import re

import requests

from shop_analytics.platform import jars, process
from shop_analytics.platform.java import java_executable
from shop_analytics.platform.settings import PlatformSettings

NAME = "registry"
REGISTRY_JAVA = 21


def files(settings: PlatformSettings) -> process.ServiceFiles:
    return process.ServiceFiles(NAME, settings.run_dir)


def management_port(settings: PlatformSettings) -> int:
    """Health endpoints live on Quarkus's management interface, one port above the API."""
    return settings.registry_port + 1


def command(settings: PlatformSettings, java: str) -> list[str]:
    app = jars.resolve(settings, jars.SCHEMA_REGISTRY)
    quarkus_run = next(app.rglob("quarkus-run.jar"))
    data = settings.registry_data_dir
    properties = {
        "quarkus.http.host": settings.host,
        "quarkus.http.port": str(settings.registry_port),
        "quarkus.management.host": settings.host,
        "quarkus.management.port": str(management_port(settings)),
        "apicurio.storage.kind": "sql",
        "apicurio.storage.sql.kind": "h2",
        "apicurio.datasource.url": f"jdbc:h2:file:{data / 'registry'}",
        "apicurio.datasource.username": "sa",
        "apicurio.datasource.password": "sa",
        "quarkus.log.file.enabled": "true",
        "quarkus.log.file.path": str(settings.run_dir / "registry-server.log"),
        "quarkus.log.console.level": "WARN",
        # Keep the access log out of the console; the file log has it.
        "quarkus.http.access-log.enabled": "false",
    }
    return [
        java,
        f"-Xmx{settings.registry_heap}",
        "-Xms64m",
        "-XX:+UseSerialGC",
        "-XX:+ExitOnOutOfMemoryError",
        *(f"-D{key}={value}" for key, value in properties.items()),
        "-jar",
        str(quarkus_run),
    ]


def start(settings: PlatformSettings) -> int:
    service = files(settings)
    pid = process.read_pid(service)
    if pid is not None:
        return pid
    java = java_executable(settings, minimum=REGISTRY_JAVA, purpose="the schema registry (Apicurio 3.3)")
    process.ensure_port_free(settings.host, settings.registry_port, "SHOP_REGISTRY_PORT")
    process.ensure_port_free(settings.host, management_port(settings), "SHOP_REGISTRY_PORT (its port + 1)")
    settings.registry_data_dir.mkdir(parents=True, exist_ok=True)
    pid = process.start_process(service, command(settings, java), cwd=settings.registry_data_dir)
    process.wait_until(lambda: is_ready(settings), service, pid, settings.start_timeout_s, explain_failure)
    return pid


def is_ready(settings: PlatformSettings) -> bool:
    """True when the registry reports ready and its Confluent API answers."""
    try:
        health = requests.get(
            f"http://{settings.host}:{management_port(settings)}/health/ready", timeout=2
        )
        if health.status_code != 200:
            return False
        return requests.get(f"{settings.registry_url}/subjects", timeout=2).status_code == 200
    except requests.RequestException:
        return False


def stop(settings: PlatformSettings) -> bool:
    return process.stop_service(files(settings), timeout_s=30.0)


def explain_failure(log: str) -> str | None:
    if "Port already bound" in log or "Address already in use" in log:
        return "its port is taken: set SHOP_REGISTRY_PORT to a free port (it also uses that port + 1)"
    if "UnsupportedClassVersionError" in log:
        return "the Java it ran on is too old: it needs Java 21+, set SHOP_JAVA"
    if "Database may be already in use" in log:
        return "another registry uses the same storage: run `shop-analytics platform down` or set SHOP_STATE_DIR"
    match = re.search(r"ERROR \[[^\]]+\] \([^)]*\) (.+)", log)
    return match.group(1)[:300] if match else None
