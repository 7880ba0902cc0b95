"""``shop-analytics platform up|down|status|jars|spark-cluster``: the embedded local platform."""

from __future__ import annotations

import click

from shop_analytics.platform import jars, services, spark_cluster
from shop_analytics.platform.settings import PlatformSettings


@click.group(name="platform")
def platform_cli() -> None:
    """Start, stop and inspect the local Kafka broker and schema registry."""


@platform_cli.command()
def up() -> None:
    """Resolve jars (once) and start the broker and the registry; harmless if already up."""
    settings = PlatformSettings.from_env()
    _print_status(services.up(settings))


@platform_cli.command()
def down() -> None:
    """Stop every platform process by its PID (a Spark cluster too, if one runs)."""
    settings = PlatformSettings.from_env()
    stopped = spark_cluster.stop(settings) + services.down(settings)
    click.echo(f"stopped: {', '.join(stopped)}" if stopped else "nothing was running")


@platform_cli.command()
def status() -> None:
    """Each service with its address, PID and health."""
    settings = PlatformSettings.from_env()
    _print_status(services.status(settings))
    click.echo(f"state: {settings.state_dir}   jar cache: {settings.jars_dir}")


@platform_cli.command(name="jars")
def resolve_jars() -> None:
    """Resolve every jar group from Maven Central into the cache (no services started)."""
    settings = PlatformSettings.from_env()
    for name, folder in jars.resolve_all(settings).items():
        click.echo(f"{name:<18} {folder}")


@platform_cli.group(name="spark-cluster")
def spark_cluster_cli() -> None:
    """A Spark standalone master and one worker on this machine (then set SHOP_SPARK_MASTER)."""


@spark_cluster_cli.command(name="up")
@click.option("--master-port", type=int, default=spark_cluster.DEFAULT_MASTER_PORT, show_default=True)
@click.option("--webui-port", type=int, default=spark_cluster.DEFAULT_WEBUI_PORT, show_default=True,
              help="The master's web UI (and its /json/ status).")
@click.option("--worker-webui-port", type=int, default=spark_cluster.DEFAULT_WORKER_WEBUI_PORT, show_default=True)
@click.option("--cores", type=int, default=spark_cluster.DEFAULT_CORES, show_default=True, help="Cores the worker offers.")
@click.option("--memory", default=spark_cluster.DEFAULT_MEMORY, show_default=True, help="Memory the worker offers.")
def cluster_up(master_port: int, webui_port: int, worker_webui_port: int, cores: int, memory: str) -> None:
    """Start the master and the worker; harmless if already up (it keeps its ports)."""
    settings = PlatformSettings.from_env()
    config = spark_cluster.start(
        settings,
        spark_cluster.ClusterConfig(
            master_port=master_port,
            webui_port=webui_port,
            worker_webui_port=worker_webui_port,
            cores=cores,
            memory=memory,
        ),
    )
    _print_status(spark_cluster.status(settings))
    click.echo(f"use it: SHOP_SPARK_MASTER={spark_cluster.master_url(settings, config)}")


@spark_cluster_cli.command(name="down")
def cluster_down() -> None:
    """Stop the worker (with its executors) and the master by PID."""
    stopped = spark_cluster.stop(PlatformSettings.from_env())
    click.echo(f"stopped: {', '.join(stopped)}" if stopped else "nothing was running")


@spark_cluster_cli.command(name="status")
def cluster_status() -> None:
    """The master and the worker with their addresses, PIDs and health."""
    _print_status(spark_cluster.status(PlatformSettings.from_env()))


def _print_status(rows: list[services.ServiceStatus]) -> None:
    width = max(10, *(len(row.name) for row in rows))
    click.echo(f"{'service':<{width}} {'state':<18} {'pid':>8}  address")
    for row in rows:
        click.echo(f"{row.name:<{width}} {row.state:<18} {row.pid or '-':>8}  {row.address}")
