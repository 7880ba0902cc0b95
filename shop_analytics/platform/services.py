"""Bring the whole local platform up or down, and say how each service is doing."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType

from shop_analytics.platform import jars, kafka_broker, process, schema_registry, spark_connect, warm_up
from shop_analytics.platform.settings import PlatformSettings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ServiceStatus:
    name: str
    address: str
    pid: int | None
    healthy: bool

    @property
    def state(self) -> str:
        if self.pid is None:
            return "stopped"
        return "healthy" if self.healthy else "starting/unhealthy"


@dataclass(frozen=True)
class Service:
    module: ModuleType
    address: Callable[[PlatformSettings], str]
    enabled: Callable[[PlatformSettings], bool] = lambda settings: True


SERVICES: tuple[Service, ...] = (
    Service(kafka_broker, lambda s: s.kafka_bootstrap),
    Service(schema_registry, lambda s: s.registry_url),
    Service(spark_connect, lambda s: s.spark_connect_url, lambda s: s.spark_connect),
)


def up(settings: PlatformSettings) -> list[ServiceStatus]:
    """Resolve jars, then start every service that is not running. A second call is harmless."""
    for group in jars.ALL_GROUPS:
        jars.resolve(settings, group)
    started: list[str] = []
    for service in SERVICES:
        if not service.enabled(settings):
            continue
        name = service.module.NAME
        running = process.read_pid(service.module.files(settings))
        if running is not None:
            log.info("%s already running (pid %d)", name, running)
            continue
        log.info("Starting %s on %s ...", name, service.address(settings))
        pid = service.module.start(settings)
        log.info("%s is up (pid %d)", name, pid)
        started.append(name)
    if spark_connect.NAME in started and settings.spark_connect_warm_up:
        warm_up.warm_up(settings)  # after every service: it needs the broker and the registry
    return status(settings)


def down(settings: PlatformSettings) -> list[str]:
    """Stop every running service, the last started first; return the names stopped."""
    stopped = []
    for service in reversed(SERVICES):
        if service.module.stop(settings):
            stopped.append(service.module.NAME)
    return stopped


def status(settings: PlatformSettings) -> list[ServiceStatus]:
    result = []
    for service in SERVICES:
        if not service.enabled(settings) and process.read_pid(service.module.files(settings)) is None:
            continue
        pid = process.read_pid(service.module.files(settings))
        healthy = pid is not None and service.module.is_ready(settings)
        result.append(ServiceStatus(service.module.NAME, service.address(settings), pid, healthy))
    return result
