"""``shop-analytics simulate``: backfill days of history or stream live events into Kafka.

    shop-analytics simulate --days 30
    shop-analytics simulate --rate 1000 --duration 10m --bursty
    shop-analytics simulate --days 2 --invalid-rate 0.01 --duplicate-rate 0.01 --manifest faults.jsonl

The command is a plain click command; the main ``shop-analytics`` group attaches it.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from datetime import UTC, datetime
from typing import Any

import click

from shop_analytics.simulator.config import DEFAULT_BOOTSTRAP, SimulationConfig, parse_duration
from shop_analytics.simulator.faults import FaultRates
from shop_analytics.simulator.producer import ProducerSettings
from shop_analytics.simulator.runner import run_simulation, window
from shop_analytics.simulator.serialization import SERIALIZERS
from shop_analytics.simulator.summary import SimulationSummary
from shop_analytics.simulator.world import DAY_MS, WorldSize

DEFAULT_MANIFEST = "simulator-faults.jsonl"
_RATE = click.FloatRange(0.0, 1.0)


def _end_ms(end_date: datetime | None) -> int | None:
    if end_date is None:
        return None
    return int(end_date.replace(tzinfo=UTC).timestamp() * 1000)


@click.command("simulate")
@click.option("--days", type=click.FloatRange(min=0, min_open=True), help="Backfill: days of past event time.")
@click.option("--rate", type=click.FloatRange(min=0, min_open=True), help="Live: average events per second.")
@click.option("--duration", help="Live: how long to run, e.g. 90s, 10m, 2h (default: until Ctrl-C).")
@click.option("--bursty/--steady", default=False, show_default=True, help="Live: bursts at 4x the rate.")
@click.option("--seed", type=int, default=42, show_default=True, help="Same seed (and end date) -> same events.")
@click.option("--end-date", type=click.DateTime(["%Y-%m-%d"]), help="Backfill window end (UTC); default today.")
@click.option("--customers", type=click.IntRange(min=1), default=WorldSize.customers, show_default=True)
@click.option("--products", type=click.IntRange(min=8), default=WorldSize.products, show_default=True)
@click.option("--stores", type=click.IntRange(8, 10), default=WorldSize.stores, show_default=True)
@click.option("--bootstrap", envvar="KAFKA_BOOTSTRAP_SERVERS", default=DEFAULT_BOOTSTRAP, show_default=True)
@click.option("--schema-registry-url", envvar="SCHEMA_REGISTRY_URL", help="Confluent-compatible registry URL.")
@click.option("--serializer", type=click.Choice(SERIALIZERS), default="fast", show_default=True)
@click.option("--malformed-rate", type=_RATE, default=0.0, show_default=True, help="Unreadable bytes per event.")
@click.option("--invalid-rate", type=_RATE, default=0.0, show_default=True, help="Avro-valid, business-invalid.")
@click.option("--duplicate-rate", type=_RATE, default=0.0, show_default=True, help="Same event id re-sent.")
@click.option("--late-rate", type=_RATE, default=0.0, show_default=True, help="Event time hours behind.")
@click.option("--manifest", type=click.Path(dir_okay=False), help=f"Fault manifest (JSON lines) [{DEFAULT_MANIFEST}]")
@click.option("--max-events", type=click.IntRange(min=1), help="Stop after this many events.")
@click.option("--compression", type=click.Choice(["lz4", "zstd", "snappy", "gzip", "none"]), default="lz4")
@click.option("--linger-ms", type=click.IntRange(min=0), default=None, help="Producer linger [200 backfill, 50 live].")
@click.option("--create-topics/--no-create-topics", default=True, show_default=True)
@click.option("--topic-prefix", default="", help="Write to prefixed copies of the topics (e.g. 'test1.').")
@click.option("--parallel/--single-process", default=True, show_default=True, help="Generate in a child process.")
@click.option("--reference/--no-reference", default=True, show_default=True, help="Send the reference snapshot.")
@click.option("--dry-run", is_flag=True, help="Generate and serialize, without Kafka or the registry.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def simulate(**options: Any) -> None:
    """Simulate the shop and send its events, as Avro, to Kafka."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        config = build_config(options)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    progress, finish = _progress_bar(config, quiet=options["quiet"])
    try:
        summary = run_simulation(config, progress=progress)
    finally:
        finish()
    _report(summary, options["as_json"])
    if not summary.ok:
        sys.exit(1)


def build_config(options: dict[str, Any]) -> SimulationConfig:
    """The run's config from the command's options (raises ValueError with a fix-it message)."""
    if options["days"] is None and options["rate"] is None:
        raise ValueError("give --days N (backfill) or --rate EVENTS_PER_S (live)")
    if options["duration"] and options["rate"] is None:
        raise ValueError("--duration is for live runs (--rate)")
    faults = FaultRates(
        malformed=options["malformed_rate"],
        invalid=options["invalid_rate"],
        duplicate=options["duplicate_rate"],
        late=options["late_rate"],
    )
    manifest = options["manifest"] or (DEFAULT_MANIFEST if faults.enabled else None)
    linger = options["linger_ms"]
    if linger is None:
        linger = 200 if options["days"] is not None else 50
    return SimulationConfig(
        days=options["days"],
        rate=options["rate"],
        duration_s=parse_duration(options["duration"]) if options["duration"] else None,
        bursty=options["bursty"],
        seed=options["seed"],
        end_ms=_end_ms(options["end_date"]),
        world=WorldSize(customers=options["customers"], products=options["products"], stores=options["stores"]),
        bootstrap=options["bootstrap"],
        schema_registry_url=options["schema_registry_url"],
        serializer=options["serializer"],
        faults=faults,
        manifest_path=manifest,
        producer=ProducerSettings(compression=options["compression"], linger_ms=linger),
        create_topics=options["create_topics"],
        topic_prefix=options["topic_prefix"],
        parallel=options["parallel"],
        reference_snapshot=options["reference"],
        max_events=options["max_events"],
        dry_run=options["dry_run"],
    )


def _progress_bar(config: SimulationConfig, quiet: bool) -> tuple[Any, Any]:
    """A click progress bar over simulated days (backfill) or seconds (live)."""
    if quiet or not sys.stderr.isatty():
        return None, lambda: None
    started = time.monotonic()
    if config.days is not None:
        length = int(config.days * DAY_MS)
        label = f"backfilling {config.days:g} days"
    else:
        length = int((config.duration_s or 0) * 1000) or None
        label = f"live at {config.rate:g} events/s"
    bar = click.progressbar(length=length, label=label, file=sys.stderr, show_pos=False, show_percent=True)
    bar.__enter__()
    window_start = window(config)[0] if config.days is not None else 0
    state = {"done": 0}

    def update(n: int, event_time_ms: int) -> None:
        if config.days is not None:
            position = min(length or 0, max(0, event_time_ms - window_start))
        else:
            position = int((time.monotonic() - started) * 1000)
        rate = n / max(time.monotonic() - started, 1e-9)
        bar.label = f"{label}: {n:,} events, {rate:,.0f}/s"
        if position > state["done"]:
            bar.update(position - state["done"])
            state["done"] = position

    def finish() -> None:
        if length and state["done"] < length:
            bar.update(length - state["done"])
        bar.__exit__(None, None, None)

    return update, finish


def _report(summary: SimulationSummary, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(summary.to_dict(), indent=2, sort_keys=True))
        return
    first = datetime.fromtimestamp(summary.start_ms / 1000, UTC)
    window = f"from {first:%Y-%m-%d %H:%M} UTC"
    if summary.end_ms is not None:
        window += f" to {datetime.fromtimestamp(summary.end_ms / 1000, UTC):%Y-%m-%d %H:%M} UTC"
    click.echo(f"{summary.format()}\n  event time {window}")
