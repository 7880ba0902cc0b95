"""The ``shop-analytics`` command: platform, demo and benchmarks."""

from __future__ import annotations

import logging
import sys

import click

from shop_analytics.platform.cli import platform_cli
from shop_analytics.platform.errors import PlatformError
from shop_analytics.platform.settings import PlatformSettings
from shop_analytics.simulator.cli import simulate


@click.group()
@click.option("-v", "--verbose", is_flag=True, help="Debug logging.")
def cli(verbose: bool) -> None:
    """shop-analytics: Kafka → Spark → Iceberg → dbt, orchestrated by Dagster."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(message)s",
        datefmt="%H:%M:%S",
        stream=sys.stderr,
    )
    # Client libraries log every request at INFO: keep the console for progress.
    for noisy in ("httpx", "httpcore", "py4j", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


cli.add_command(platform_cli)
cli.add_command(simulate)


@cli.command()
@click.option(
    "--days",
    type=click.FloatRange(min=0, min_open=True),
    default=2.0,
    show_default=True,
    help="Days of past event time to simulate.",
)
@click.option(
    "--customers", type=click.IntRange(min=1), default=2000, show_default=True, help="Customers in the simulated world."
)
@click.option("--seed", type=int, default=42, show_default=True)
@click.option(
    "--faults/--no-faults",
    default=False,
    show_default=True,
    help="Inject faults (1% malformed, invalid, re-sent and late events) to see the dead letter and the quarantine.",
)
def demo(days: float, customers: int, seed: int, faults: bool) -> None:
    """Start the platform, stream events, run the asset graph, print what landed."""
    from shop_analytics.demo import DEMO_FAULTS, format_counts, format_marts, mart_rows, run_demo

    settings = PlatformSettings.from_env()
    counts = run_demo(settings, days=days, customers=customers, seed=seed, faults=DEMO_FAULTS if faults else None)
    click.echo(format_counts(counts))
    click.echo("\n" + format_marts(mart_rows()))
    lost = [c for c in counts if c.in_bronze + c.dead_lettered != c.in_kafka]
    if lost:
        raise click.ClickException(f"bronze + dead letter does not match Kafka for {[c.topic for c in lost]}")
    click.echo(
        "\nEvery record in Kafka is in bronze or the dead letter. Next: `make dev` opens Dagster on "
        "http://127.0.0.1:3000 (lineage: kafka → bronze → silver → gold); `make dashboard` shows the executive, operational "
        "and technical views on http://127.0.0.1:8501; `make down` stops the platform."
    )


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (loopback by default).")
@click.option("--port", type=click.IntRange(1, 65535), default=8501, show_default=True)
def dashboard(host: str, port: int) -> None:
    """The dashboards (executive, operational, technical) on http://HOST:PORT; Ctrl-C stops them."""
    from shop_analytics.dashboard.launcher import run_dashboard

    code = run_dashboard(host=host, port=port)
    if code:
        raise click.ClickException(f"streamlit exited with {code}")


def main() -> None:
    """Entry point: platform errors are one line and exit 2, never a traceback."""
    try:
        cli(standalone_mode=False)
    except PlatformError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
