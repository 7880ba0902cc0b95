"""Run one quality check the way Dagster does, on a test lake, and read what it reported."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dagster import (
    AssetCheckEvaluation,
    AssetKey,
    AssetSelection,
    AssetSpec,
    DagsterInstance,
    materialize,
)

from shop_analytics.assets.checks import build_quality_checks
from shop_analytics_tests.quality.lake import TestLake


@dataclass
class CheckRun:
    success: bool
    evaluation: AssetCheckEvaluation | None
    log_messages: list[str]

    def meta(self, name: str) -> Any:
        assert self.evaluation is not None, "the check reported no result"
        return self.evaluation.metadata[name].value

    def failing(self) -> dict[str, dict[str, Any]]:
        """Failing expectations by description."""
        return {entry["expectation"]: entry for entry in self.meta("failing_expectations")}


def run_check(lake: TestLake, key: AssetKey, instance: DagsterInstance | None = None, **quality: Any) -> CheckRun:
    (check,) = build_quality_checks([key])
    instance = instance or DagsterInstance.ephemeral()
    result = materialize(
        [AssetSpec(key), check],
        selection=AssetSelection.checks(check),
        instance=instance,
        resources={"iceberg": lake.iceberg, "quality": lake.quality(**quality)},
        raise_on_error=False,
    )
    evaluations = result.get_asset_check_evaluations()
    messages = [entry.user_message for entry in instance.all_logs(result.run_id)]
    return CheckRun(success=result.success, evaluation=evaluations[0] if evaluations else None, log_messages=messages)
