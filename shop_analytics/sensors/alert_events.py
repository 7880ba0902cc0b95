"""What the alert sensors read from Dagster, turned into the plain values alert messages take."""

from collections.abc import Mapping
from typing import Any

from dagster import AssetCheckEvaluation, AssetCheckSeverity, DagsterEventType, DagsterInstance, MetadataValue

from shop_analytics.alerts.messages import AssetFigures, CheckFailure, FailedStep


def plain_metadata(metadata: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value.value if isinstance(value, MetadataValue) else value for key, value in metadata.items()}


def numeric(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def is_blocking_error(evaluation: AssetCheckEvaluation) -> bool:
    """A failed blocking check with ERROR severity: the kind that stops downstream assets."""
    return not evaluation.passed and bool(evaluation.blocking) and evaluation.severity == AssetCheckSeverity.ERROR


def check_failure(evaluation: AssetCheckEvaluation, run_id: str) -> CheckFailure:
    meta = plain_metadata(evaluation.metadata)
    return CheckFailure(
        asset=tuple(evaluation.asset_key.path),
        check=evaluation.check_name,
        run_id=run_id,
        blocking_error=is_blocking_error(evaluation),
        description=evaluation.description or f"Check {evaluation.check_name} did not pass.",
        failing=meta.get("failing_expectations") or [],
        score=numeric(meta.get("quality_score")),
        sla=numeric(meta.get("quality_sla")),
    )


def run_check_evaluations(instance: DagsterInstance, run_id: str) -> list[AssetCheckEvaluation]:
    records = instance.get_records_for_run(run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION).records
    return [r.event_log_entry.dagster_event.event_specific_data for r in records if r.event_log_entry.dagster_event]


def failed_steps(instance: DagsterInstance, run_id: str) -> list[FailedStep]:
    records = instance.get_records_for_run(run_id, of_type=DagsterEventType.STEP_FAILURE).records
    steps = []
    for record in records:
        event = record.event_log_entry.dagster_event
        if event is None:
            continue
        error = getattr(event.event_specific_data, "error", None)
        message = _root_cause(error) if error is not None else (event.message or "")
        steps.append(FailedStep(step=event.step_key or "?", error=message))
    return steps


def _root_cause(error: Any) -> str:
    """The innermost error's message: the user's exception, not Dagster's wrapper around it."""
    while getattr(error, "cause", None) is not None:
        error = error.cause
    return str(error.message).strip()


def run_materializations(instance: DagsterInstance, run_id: str) -> list[AssetFigures]:
    records = instance.get_records_for_run(run_id, of_type=DagsterEventType.ASSET_MATERIALIZATION).records
    figures: list[AssetFigures] = []
    for record in records:
        materialization = record.event_log_entry.asset_materialization
        if materialization is None:
            continue
        values = {k: n for k, v in plain_metadata(materialization.metadata).items() if (n := numeric(v)) is not None}
        figures.append(AssetFigures(asset=tuple(materialization.asset_key.path), figures=values))
    return figures


def run_duration(instance: DagsterInstance, run_id: str) -> float | None:
    record = instance.get_run_record_by_id(run_id)
    if record is None or record.start_time is None or record.end_time is None:
        return None
    return record.end_time - record.start_time
