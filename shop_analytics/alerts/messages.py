"""The alerts the platform sends, built from plain values (the sensors extract them from Dagster).

Every alert says what happened, links to the run or asset in the Dagster UI and says what to
do. Incident keys name what is broken, so every sighting of the same problem maps to one
incident: ``run:<job>``, ``check:<asset>:<check>``, ``quality:<asset>``, ``freshness:<asset>``,
``lag:<asset>``, ``latency:<asset>``, ``anomalies:<asset>``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from shop_analytics.alerts.incidents import Incident
from shop_analytics.alerts.links import DagsterUiLinks
from shop_analytics.alerts.model import Alert, Level, Link

Path = Sequence[str]


def asset_name(path: Path) -> str:
    return "/".join(path)


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "unknown"
    seconds = max(0.0, seconds)
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def count(value: float | int | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


# --- Critical ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FailedStep:
    step: str
    error: str


def run_failure(job: str, run_id: str, steps: Sequence[FailedStep], links: DagsterUiLinks) -> Alert:
    first = steps[0] if steps else None
    return Alert(
        level=Level.CRITICAL,
        title=f"Run of {job} failed",
        summary=(
            f"Run `{run_id[:8]}` of *{job}* failed"
            + (f" in step `{first.step}`." if first else " before any step failed (launch or resource error).")
        ),
        action=(
            "Open the run and read the failed step's error. A service hiccup (Kafka, schema registry, "
            "Iceberg catalog lock) clears with *Re-execute from failure*; anything else needs a fix first. "
            f"This incident resolves on the next successful run of {job}."
        ),
        incident_key=f"run:{job}",
        facts=(("Job", job), ("Run", run_id), ("Failed steps", ", ".join(s.step for s in steps) or "none")),
        links=(Link("Open run", links.run(run_id)), Link("All runs", links.runs())),
        details="\n\n".join(f"{s.step}: {s.error}" for s in steps[:3]) or None,
    )


@dataclass(frozen=True)
class CheckFailure:
    asset: Path
    check: str
    run_id: str
    blocking_error: bool  # a blocking check that failed with ERROR severity: downstream stopped
    description: str
    failing: Sequence[Mapping[str, Any]]  # the check's failing_expectations metadata
    score: float | None = None
    sla: float | None = None


def check_key(asset: Path, check: str) -> str:
    return f"check:{asset_name(asset)}:{check}"


def _expectation_lines(failing: Sequence[Mapping[str, Any]]) -> str:
    lines = []
    for entry in failing[:8]:
        line = f"• [{entry.get('severity', '?')}] {entry.get('expectation')}"
        if entry.get("unexpected_count") is not None:
            line += f": {count(entry['unexpected_count'])} of {count(entry.get('element_count'))} rows"
        if entry.get("sample_values"):
            line += f", e.g. {', '.join(map(str, entry['sample_values'][:3]))}"
        elif entry.get("observed_value") is not None:
            line += f", observed {entry['observed_value']}"
        lines.append(line)
    if len(failing) > 8:
        lines.append(f"… and {len(failing) - 8} more")
    return "\n".join(lines)


def check_failed(failure: CheckFailure, links: DagsterUiLinks) -> Alert:
    name = asset_name(failure.asset)
    facts: list[tuple[str, str]] = [("Asset", name), ("Check", failure.check), ("Run", failure.run_id)]
    if failure.score is not None:
        facts.append(("Quality score", f"{failure.score:.4f}" + (f" (SLA {failure.sla:g})" if failure.sla else "")))
    if failure.blocking_error:
        action = (
            f"Downstream assets of {name} were not materialized in this run. Read the failing expectations and "
            "sample rows on the check, fix the data or the transform upstream, then re-materialize "
            f"{name}: the check runs again with it and this incident resolves when it passes."
        )
    else:
        action = (
            "Nothing was blocked. Review the failing expectations on the check; if the data is right, the "
            "suite is wrong: change it in shop_analytics/quality and bump its version."
        )
    return Alert(
        level=Level.CRITICAL if failure.blocking_error else Level.WARNING,
        title=f"{'Blocking check' if failure.blocking_error else 'Check'} {failure.check} failed on {name}",
        summary=failure.description,
        action=action,
        incident_key=check_key(failure.asset, failure.check),
        facts=tuple(facts),
        links=(
            Link("Open check", links.asset_check(failure.asset, failure.check)),
            Link("Open run", links.run(failure.run_id)),
        ),
        details=_expectation_lines(failure.failing) or None,
    )


def quality_key(asset: Path) -> str:
    return f"quality:{asset_name(asset)}"


def quality_below_sla(
    asset: Path, score: float, sla: float, dimensions: Mapping[str, float], run_id: str, links: DagsterUiLinks
) -> Alert:
    name = asset_name(asset)
    weakest = min(dimensions.items(), key=lambda item: item[1])[0] if dimensions else None
    return Alert(
        level=Level.CRITICAL,
        title=f"Quality score of {name} below its SLA",
        summary=f"*{name}* scored *{score:.4f}*, below its SLA of {sla:g}"
        + (f"; weakest dimension: {weakest}." if weakest else "."),
        action=(
            "Open the asset's checks and read the failing expectations; the weakest dimension says where to look "
            "(completeness: missing values upstream; validity: values out of range; consistency: duplicates, "
            "orphans or totals that do not add up). Scores over time are in ops.quality_scores."
        ),
        incident_key=quality_key(asset),
        facts=(
            ("Asset", name),
            ("Score", f"{score:.4f}"),
            ("SLA", f"{sla:g}"),
            *((d.capitalize(), f"{v:.4f}") for d, v in sorted(dimensions.items())),
        ),
        links=(Link("Open asset checks", links.asset(asset) + "?view=checks"), Link("Open run", links.run(run_id))),
    )


# --- Freshness (warning, then critical) -----------------------------------------------------------


@dataclass(frozen=True)
class Staleness:
    asset: Path
    failing: bool  # past the fail window (else past the warn window)
    age_s: float
    warn_window_s: float | None
    fail_window_s: float
    streaming: bool  # fed by the Kafka ingest (else built on a schedule)


def freshness_key(asset: Path) -> str:
    return f"freshness:{asset_name(asset)}"


def stale(staleness: Staleness, links: DagsterUiLinks) -> Alert:
    name = asset_name(staleness.asset)
    window = staleness.fail_window_s if staleness.failing else staleness.warn_window_s
    if staleness.streaming:
        action = (
            "Check that ingest runs: the kafka_offsets and bronze_to_silver sensors are on, the platform is up "
            "(`shop-analytics platform status`: broker and schema registry), the simulator or shop is producing, "
            "and the asset's latest runs succeeded."
        )
    else:
        action = "Check the asset's schedule (daily dbt build) is on and its latest run succeeded; re-run it if not."
    return Alert(
        level=Level.CRITICAL if staleness.failing else Level.WARNING,
        title=f"{name} is {'stale: past its fail window' if staleness.failing else 'getting stale'}",
        summary=(
            f"*{name}* was last updated {duration(staleness.age_s)} ago, beyond its "
            f"{'fail' if staleness.failing else 'warn'} window of {duration(window)}."
        ),
        action=action,
        incident_key=freshness_key(staleness.asset),
        facts=(
            ("Asset", name),
            ("Last update", f"{duration(staleness.age_s)} ago"),
            ("Warn window", duration(staleness.warn_window_s)),
            ("Fail window", duration(staleness.fail_window_s)),
        ),
        links=(Link("Open asset", links.asset(staleness.asset)), Link("All runs", links.runs())),
    )


# --- Warnings from pipeline metrics -------------------------------------------------------------


def metric_rising(
    kind: str, asset: Path, metric: str, values: Sequence[float], threshold: float, links: DagsterUiLinks
) -> Alert:
    """Consumer lag (``kind="lag"``) or event latency (``kind="latency"``) above its threshold and rising."""
    name = asset_name(asset)
    trend = " → ".join(count(v) for v in values)
    what = "Kafka consumer lag" if kind == "lag" else "Event latency"
    unit = " records" if kind == "lag" else " s"
    action = (
        "Ingest is falling behind the topic: look at the bronze run durations and micro-batch sizes "
        "(max_offsets_per_trigger), and at what else holds the 2 cores (Spark jobs, dbt)."
        if kind == "lag"
        else "Events reach this table later with each run: check the upstream runs' durations and whether the "
        "sensors launch runs as often as they should."
    )
    return Alert(
        level=Level.WARNING,
        title=f"{what} rising on {name}",
        summary=f"{what} of *{name}* ({metric}) rose over the last {len(values)} runs to {count(values[-1])}{unit}, "
        f"above the threshold of {count(threshold)}{unit}.",
        action=action,
        incident_key=f"{kind}:{name}",
        facts=(("Asset", name), ("Trend", trend), ("Threshold", count(threshold))),
        links=(Link("Open asset", links.asset(asset)),),
    )


def anomaly_spike(
    asset: Path, latest: float, baseline: float, by_rule: Mapping[str, Any], links: DagsterUiLinks
) -> Alert:
    name = asset_name(asset)
    rules = ", ".join(f"{rule}: {n}" for rule, n in sorted(by_rule.items())) or "n/a"
    return Alert(
        level=Level.WARNING,
        title=f"Anomaly spike in {name}",
        summary=f"The latest run of *{name}* found {count(latest)} anomalies against a usual {count(baseline)}.",
        action=(
            f"Query {name} for the newest windows: many stores at once points at the feed (a stalled stream, "
            "a schema change), one store or channel at the business (an outage, a promotion)."
        ),
        incident_key=f"anomalies:{name}",
        facts=(("Asset", name), ("Anomalies", count(latest)), ("Usual", count(baseline)), ("By rule", rules)),
        links=(Link("Open asset", links.asset(asset)),),
    )


# --- Resolution ----------------------------------------------------------------------------------


def resolved(incident: Incident, what_changed: str, links: Sequence[Link] = ()) -> Alert:
    repeats = incident.occurrences - 1
    return Alert(
        level=Level.RESOLVED,
        title=incident.title,  # the header reads "RESOLVED: <what was wrong>"
        summary=f"{what_changed} Open for {duration(incident.duration_s)}"
        + (f"; {repeats} repeat alert{'s' if repeats != 1 else ''} suppressed." if repeats else "."),
        action="Nothing to do.",
        incident_key=incident.key,
        facts=(("Was", incident.level.value), ("Open for", duration(incident.duration_s))),
        links=tuple(links),
    )


# --- Info ----------------------------------------------------------------------------------------

SUMMARY_FIGURES = ("rows_in", "accepted", "quarantined", "rows_bronze", "rows_dead_lettered", "rows_written",
                   "table_rows", "consumer_lag", "duration_s")  # fmt: skip


@dataclass(frozen=True)
class AssetFigures:
    asset: Path
    figures: Mapping[str, float]


def run_summary(
    job: str,
    run_id: str,
    duration_s: float | None,
    assets: Sequence[AssetFigures],
    checks_passed: int,
    checks_failed: int,
    links: DagsterUiLinks,
) -> Alert:
    lines = []
    for item in assets[:15]:
        shown = ", ".join(f"{k} {count(v)}" for k, v in item.figures.items() if k in SUMMARY_FIGURES)
        lines.append(f"• {asset_name(item.asset)}" + (f": {shown}" if shown else ""))
    if len(assets) > 15:
        lines.append(f"… and {len(assets) - 15} more")
    return Alert(
        level=Level.INFO,
        title=f"{job} completed",
        summary=f"Run `{run_id[:8]}` of *{job}* materialized {len(assets)} asset{'s' if len(assets) != 1 else ''} "
        f"in {duration(duration_s)}; checks: {checks_passed} passed, {checks_failed} failed.",
        action="Nothing to do." if not checks_failed else "Non-blocking checks failed: their own alerts say more.",
        facts=(("Job", job), ("Duration", duration(duration_s)), ("Assets", str(len(assets)))),
        links=(Link("Open run", links.run(run_id)),),
        details="\n".join(lines) or None,
    )


@dataclass(frozen=True)
class NamespaceUsage:
    namespace: str
    tables: int
    rows: int
    data_files: int
    bytes: int
    small_file_tables: tuple[str, ...]  # tables whose data files average under the small-file size


def size(value: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(value) < 1024 or unit == "TiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TiB"


def capacity_summary(
    day: str,
    usage: Sequence[NamespaceUsage],
    growth_bytes: int | None,
    runs_succeeded: int,
    runs_failed: int,
    disk_free_bytes: int,
    disk_total_bytes: int,
    links: DagsterUiLinks,
) -> Alert:
    total = sum(u.bytes for u in usage)
    free_share = disk_free_bytes / disk_total_bytes if disk_total_bytes else 1.0
    small = [t for u in usage for t in u.small_file_tables]
    todo = []
    if small:
        todo.append(f"{len(small)} table(s) hold mostly small files: run lakehouse_maintenance_job (compaction).")
    if free_share < 0.15:
        todo.append(f"Only {free_share:.0%} of the disk is free: expire snapshots, or grow the volume.")
    if runs_failed:
        todo.append(f"{runs_failed} run(s) failed in the last 24 h: see their alerts.")
    return Alert(
        level=Level.INFO,
        title=f"Daily capacity summary {day}",
        summary=f"Lakehouse: {size(total)} in {sum(u.tables for u in usage)} tables"
        + (f" ({'+' if growth_bytes >= 0 else ''}{size(growth_bytes)} since the last summary)" if growth_bytes is not None else "")
        + f"; runs in the last 24 h: {runs_succeeded} succeeded, {runs_failed} failed; disk {free_share:.0%} free.",
        action=" ".join(todo) or "Nothing to do.",
        facts=(
            *((u.namespace, f"{u.tables} tables, {count(u.rows)} rows, {count(u.data_files)} files, {size(u.bytes)}")
              for u in usage),
            ("Disk free", f"{size(disk_free_bytes)} of {size(disk_total_bytes)}"),
        ),
        links=(Link("Assets", links.assets()), Link("Runs", links.runs())),
        details="Small-file tables: " + ", ".join(small[:20]) if small else None,
    )  # fmt: skip
