"""The operational view's numbers: pipeline health, lag, rejects, anomalies, quality, alerts.

Pure functions of frames. Rates are over a window ending now (wall-clock: these are the
pipeline's own records, written as it runs); ``since=None`` means everything recorded.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pandas as pd

# Dagster run statuses that ended badly (DagsterRunStatus values).
FAILED_STATUSES = frozenset({"FAILURE", "CANCELED"})


def _since(frame: pd.DataFrame, column: str, since: pd.Timestamp | None) -> pd.DataFrame:
    return frame if since is None else frame[frame[column] >= since]


def _rate(part: float, whole: float) -> float | None:
    return part / whole if whole else None


def consumer_lag(ingest_runs: pd.DataFrame) -> pd.DataFrame:
    """Per topic, the lag and newest event age its latest ingest run left behind."""
    if ingest_runs.empty:
        return pd.DataFrame(columns=["topic", "consumer_lag", "newest_event_age_s", "finished_at"])
    latest = ingest_runs.sort_values("finished_at").groupby("topic", as_index=False).tail(1)
    return latest[["topic", "consumer_lag", "newest_event_age_s", "finished_at"]].sort_values("topic").reset_index(drop=True)


def dead_letter_rates(ingest_runs: pd.DataFrame, since: pd.Timestamp | None) -> pd.DataFrame:
    """Per topic: records read from Kafka, dead-lettered, and the share dead-lettered."""
    runs = _since(ingest_runs, "finished_at", since)
    by_topic = runs.groupby("topic", as_index=False).agg(
        rows_in=("rows_in", "sum"), dead_lettered=("dead_lettered", "sum"), runs=("run_id", "nunique")
    )
    by_topic["dead_letter_rate"] = [_rate(d, r) for d, r in zip(by_topic["dead_lettered"], by_topic["rows_in"], strict=True)]
    return by_topic.sort_values("topic").reset_index(drop=True)


def quarantine_rates(silver_batches: pd.DataFrame, since: pd.Timestamp | None) -> pd.DataFrame:
    """Per silver entity: rows in, accepted, quarantined, duplicates, late, quarantine share."""
    batches = _since(silver_batches, "started_at", since)
    by_entity = batches.groupby("entity", as_index=False).agg(
        batches=("batch_id", "count"),
        rows_in=("rows_in", "sum"),
        accepted=("accepted", "sum"),
        quarantined=("quarantined", "sum"),
        duplicates=("duplicates", "sum"),
        late=("late", "sum"),
    )
    by_entity["quarantine_rate"] = [
        _rate(q, r) for q, r in zip(by_entity["quarantined"], by_entity["rows_in"], strict=True)
    ]
    return by_entity.sort_values("entity").reset_index(drop=True)


def quarantine_reasons(silver_batches: pd.DataFrame, since: pd.Timestamp | None) -> pd.DataFrame:
    """Quarantined rows per entity and reason (from each batch's quarantined_by_reason JSON)."""
    rows: list[dict[str, object]] = []
    for entity, reasons in _since(silver_batches, "started_at", since)[["entity", "quarantined_by_reason"]].itertuples(index=False):
        if pd.isna(reasons) or not reasons:
            continue
        for reason, count in json.loads(reasons).items():
            rows.append({"entity": entity, "reason": reason, "rows": int(count)})
    if not rows:
        return pd.DataFrame(columns=["entity", "reason", "rows"])
    out = pd.DataFrame(rows).groupby(["entity", "reason"], as_index=False)["rows"].sum()
    return out.sort_values(["rows", "entity", "reason"], ascending=[False, True, True]).reset_index(drop=True)


def dead_letter_reasons(dead_letter: pd.DataFrame, since: pd.Timestamp | None) -> pd.DataFrame:
    """Dead-lettered records per topic and reason (from bronze's dead-letter table)."""
    rows = _since(dead_letter, "ingested_at", since)
    out = rows.groupby(["kafka_topic", "reason"], as_index=False).size().rename(columns={"size": "rows", "kafka_topic": "topic"})
    return out.sort_values(["rows", "topic", "reason"], ascending=[False, True, True]).reset_index(drop=True)


@dataclass(frozen=True)
class RejectTotals:
    kafka_records: int
    dead_lettered: int
    silver_rows_in: int
    quarantined: int

    @property
    def dead_letter_rate(self) -> float | None:
        return _rate(self.dead_lettered, self.kafka_records)

    @property
    def quarantine_rate(self) -> float | None:
        return _rate(self.quarantined, self.silver_rows_in)


def reject_totals(dead_letters: pd.DataFrame, quarantines: pd.DataFrame) -> RejectTotals:
    return RejectTotals(
        kafka_records=int(dead_letters["rows_in"].sum()) if len(dead_letters) else 0,
        dead_lettered=int(dead_letters["dead_lettered"].sum()) if len(dead_letters) else 0,
        silver_rows_in=int(quarantines["rows_in"].sum()) if len(quarantines) else 0,
        quarantined=int(quarantines["quarantined"].sum()) if len(quarantines) else 0,
    )


def recent_anomalies(anomalies: pd.DataFrame, limit: int = 50) -> pd.DataFrame:
    """The newest anomalies first (by window, then score)."""
    ordered = anomalies.sort_values(["window_start", "score"], ascending=[False, False])
    columns = ["window_start", "rule", "entity_type", "entity_id", "metric", "observed", "baseline_mean", "score", "detected_at"]
    return ordered[columns].head(limit).reset_index(drop=True)


def latest_quality(scores: pd.DataFrame) -> pd.DataFrame:
    """Each asset's and check's newest quality score, those below their SLA first."""
    if scores.empty:
        return pd.DataFrame(columns=["asset_key", "check_name", "layer", "score", "sla", "below_sla", "checked_at"])
    latest = scores.sort_values("checked_at").groupby(["asset_key", "check_name"], as_index=False).tail(1)
    latest = latest.assign(_below=latest["below_sla"].fillna(False).astype(bool))
    columns = ["asset_key", "check_name", "layer", "score", "sla", "below_sla", "checked_at"]
    return latest.sort_values(["_below", "asset_key"], ascending=[False, True])[columns].reset_index(drop=True)


def job_summary(runs: pd.DataFrame, since: pd.Timestamp | None) -> pd.DataFrame:
    """Per Dagster job: runs started in the window, succeeded, failed, and its newest run."""
    columns = ["job", "runs", "succeeded", "failed", "last_status", "last_started", "last_duration_s"]
    window = _since(runs, "started_at", since)
    if window.empty:
        return pd.DataFrame(columns=columns)
    rows = []
    for job, group in window.sort_values("started_at").groupby("job_name"):
        last = group.iloc[-1]
        duration = (last["ended_at"] - last["started_at"]).total_seconds() if pd.notna(last["ended_at"]) else None
        rows.append(
            {
                "job": job,
                "runs": len(group),
                "succeeded": int((group["status"] == "SUCCESS").sum()),
                "failed": int(group["status"].isin(FAILED_STATUSES).sum()),
                "last_status": last["status"],
                "last_started": last["started_at"],
                "last_duration_s": duration,
            }
        )
    return pd.DataFrame(rows, columns=columns).sort_values(["failed", "job"], ascending=[False, True]).reset_index(drop=True)


def asset_health(assets: pd.DataFrame, now: pd.Timestamp) -> pd.DataFrame:
    """Per asset: last materialization and its age, failures in the window, freshness state.

    ``freshness`` is Dagster's evaluation against the asset's freshness policy when the
    daemon has one; otherwise the age of the last materialization is what there is.
    """
    columns = ["asset", "last_materialized", "age_s", "failures", "last_failure", "freshness"]
    if assets.empty:
        return pd.DataFrame(columns=columns)
    out = assets.rename(columns={"asset_key": "asset", "last_materialized_at": "last_materialized", "last_failed_at": "last_failure"})
    out["age_s"] = (now - out["last_materialized"]).dt.total_seconds()
    out["freshness"] = out["freshness_state"].fillna("no policy evaluation")
    # Failing first, then the stalest.
    return out.sort_values(["failures", "age_s"], ascending=[False, False], na_position="first")[columns].reset_index(drop=True)


def alert_table(open_incidents: pd.DataFrame, history: pd.DataFrame, limit: int = 100) -> pd.DataFrame:
    """Open incidents first, then resolved ones, newest first."""
    columns = ["status", "level", "title", "key", "opened_at", "resolved_at", "occurrences"]
    parts = []
    if len(open_incidents):
        parts.append(open_incidents.assign(status="open", resolved_at=pd.NaT))
    if len(history):
        parts.append(history.assign(status="resolved"))
    if not parts:
        return pd.DataFrame(columns=columns)
    table = pd.concat(parts, ignore_index=True)
    table["_open"] = table["status"] == "open"
    return table.sort_values(["_open", "opened_at"], ascending=[False, False])[columns].head(limit).reset_index(drop=True)
