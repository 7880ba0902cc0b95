"""``shop-analytics platform up|down|status|jars``: the embedded local platform."""

from __future__ import annotations

import click

from shop_analytics.platform import jars, services
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
    """Stop every platform process by its PID."""
    settings = PlatformSettings.from_env()
    stopped = services.down(settings)
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


def _print_status(rows: list[services.ServiceStatus]) -> None:
    click.echo(f"{'service':<10} {'state':<18} {'pid':>8}  address")
    for row in rows:
        click.echo(f"{row.name:<10} {row.state:<18} {row.pid or '-':>8}  {row.address}")
