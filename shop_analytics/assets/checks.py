"""The quality suites as Dagster asset checks, one per guarded asset (check name ``great_expectations``).

Each check reads its table through PyIceberg (the newest day, or the whole table), validates it
with its GX suite, scores it, appends the score to ``ops.quality_scores`` and reports:

- passed when every expectation holds; otherwise failed with ERROR severity when a critical
  expectation failed (the check is ``blocking``, so assets downstream of it in the same run are
  not materialized) and WARN severity when only warnings failed;
- metadata: the quality score and its dimensions, the SLA, the failing expectations with their
  observed values and sample values, sample failing rows, what was read.

A table that does not exist yet (a mart before its first dbt build) is not a failure: the
check emits no result, so Dagster shows it as skipped, and the run log says "table not built
yet". Checks need the ``iceberg`` and ``quality`` resources.
"""

from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetKey,
    MetadataValue,
    multi_asset_check,
)

from shop_analytics.quality.bronze_suites import BRONZE_SUITES
from shop_analytics.quality.gold_suites import GOLD_SUITES
from shop_analytics.quality.reader import TableNotBuilt
from shop_analytics.quality.run import SuiteRun, failing_summary, run_suite
from shop_analytics.quality.scores_table import append_scores
from shop_analytics.quality.silver_suites import SILVER_SUITES
from shop_analytics.quality.suite import Namespaces, TableSuite
from shop_analytics.resources.iceberg import IcebergCatalogResource
from shop_analytics.resources.quality import QualityResource
from shop_analytics.schedules.retries import SERVICE_RETRY_POLICY

CHECK_NAME = "great_expectations"
ALL_SUITES: tuple[TableSuite, ...] = (*BRONZE_SUITES, *SILVER_SUITES, *GOLD_SUITES)


def suite_asset_key(suite: TableSuite) -> AssetKey:
    return AssetKey(list(suite.key_path))


def namespaces(quality: QualityResource) -> Namespaces:
    return Namespaces(
        bronze=quality.namespace_of("bronze"),
        silver=quality.namespace_of("silver"),
        gold=quality.namespace_of("gold"),
    )


def build_suite_check(suite: TableSuite) -> AssetChecksDefinition:
    key = suite_asset_key(suite)
    spec = AssetCheckSpec(
        name=CHECK_NAME,
        asset=key,
        blocking=suite.is_blocking(),
        description=f"GX suite {suite.qualified_version}: {suite.description}",
        metadata={"suite": suite.qualified_version, "layer": suite.layer.value},
    )

    # A multi-asset check (of one spec) because it may emit nothing: a skipped check when the
    # table is not built yet, rather than a failure.
    @multi_asset_check(
        specs=[spec],
        name=f"gx_{suite.layer.value}_{suite.table}",
        can_subset=True,
        compute_kind="great_expectations",
        retry_policy=SERVICE_RETRY_POLICY,
    )
    def _check(
        context: AssetCheckExecutionContext, iceberg: IcebergCatalogResource, quality: QualityResource
    ) -> Iterator[AssetCheckResult]:
        catalog = iceberg.load()
        now = datetime.now(UTC)
        try:
            run = run_suite(catalog, suite, namespaces(quality), now, quality.sla_of(suite.layer.value))
        except TableNotBuilt as absent:
            context.log.warning(
                "%s: table not built yet; check %s skipped. Materialize %s first.",
                absent.identifier, suite.qualified_version, key.to_user_string(),
            )  # fmt: skip
            return
        recorded = _record_score(context, catalog, quality, run, now)
        failures = run.validation.failures
        context.log.info(
            "%s on %s: score %.4f (SLA %.2f), %d of %d expectations failed",
            suite.qualified_version, run.identifier, run.score.overall, run.sla, len(failures),
            len(run.validation.outcomes),
        )  # fmt: skip
        yield AssetCheckResult(
            asset_key=key,
            check_name=CHECK_NAME,
            passed=run.validation.passed,
            severity=AssetCheckSeverity.ERROR if run.validation.critical_failures else AssetCheckSeverity.WARN,
            description=(
                f"{len(failures)} of {len(run.validation.outcomes)} expectations failed: {failing_summary(failures)}"
                if failures
                else f"all {len(run.validation.outcomes)} expectations hold"
            ),
            metadata=check_metadata(run, recorded, quality.sample_rows),
        )

    return _check


def _record_score(
    context: AssetCheckExecutionContext, catalog: Any, quality: QualityResource, run: SuiteRun, now: datetime
) -> str:
    """Append the run's score; a failed append is logged, not raised (the check's verdict stands)."""
    if not quality.record_scores:
        return "off"
    try:
        append_scores(catalog, quality.scores_identifier, [run.record(now, CHECK_NAME, context.run.run_id)])
    except Exception as error:
        context.log.warning("Quality score not recorded in %s: %s", quality.scores_identifier, error)
        return f"failed: {type(error).__name__}: {error}"
    return quality.scores_identifier


def check_metadata(run: SuiteRun, recorded: str, sample_rows: int) -> dict[str, Any]:
    failures = run.validation.failures
    metadata: dict[str, Any] = {
        "suite": MetadataValue.text(run.suite.qualified_version),
        "table": MetadataValue.text(run.identifier),
        "scope": MetadataValue.text(run.rows.scope),
        "rows_checked": MetadataValue.int(run.rows_checked),
        "quality_score": MetadataValue.float(run.score.overall),
        "quality_sla": MetadataValue.float(run.sla),
        "below_sla": MetadataValue.bool(run.below_sla),
        "expectations_evaluated": MetadataValue.int(len(run.validation.outcomes)),
        "expectations_failed": MetadataValue.int(len(failures)),
        "critical_failures": MetadataValue.int(len(run.validation.critical_failures)),
        "failing_expectations": MetadataValue.json([failure_entry(run, o, sample_rows) for o in failures]),
        "score_recorded_in": MetadataValue.text(recorded),
    }
    for name in ("completeness", "validity", "consistency"):
        value = getattr(run.score, name)
        if value is not None:
            metadata[name] = MetadataValue.float(value)
    if failures:
        metadata["sample_failing_rows"] = MetadataValue.md(sample_rows_markdown(run, sample_rows))
    if run.missing_inputs:
        metadata["missing_inputs"] = MetadataValue.json(list(run.missing_inputs))
    return metadata


def failure_entry(run: SuiteRun, outcome: Any, sample_rows: int) -> dict[str, Any]:
    fraction = outcome.unexpected_fraction
    return {
        "expectation": outcome.description,
        "type": outcome.expectation,
        "columns": list(outcome.columns),
        "severity": outcome.severity,
        "dimension": outcome.dimension.value,
        "unexpected_count": outcome.unexpected_count,
        "element_count": outcome.element_count,
        "unexpected_percent": None if fraction is None else round(100 * fraction, 3),
        "observed_value": outcome.observed_value,
        "sample_values": list(outcome.sample_values),
        "sample_rows": run.sample_rows(outcome, sample_rows),
        "error": outcome.error,
    }


def sample_rows_markdown(run: SuiteRun, limit: int) -> str:
    sections: list[str] = []
    for outcome in run.validation.failures:
        rows = run.sample_rows(outcome, limit)
        sections.append(f"**{outcome.description}** ({outcome.severity})")
        if not rows:
            sections.append(
                f"observed: `{outcome.observed_value}`" if outcome.error is None else f"error: {outcome.error}"
            )
            continue
        columns = list(rows[0])
        sections.append("| " + " | ".join(columns) + " |")
        sections.append("|" + "---|" * len(columns))
        sections.extend("| " + " | ".join(str(row[c]) for c in columns) + " |" for row in rows)
    return "\n".join(sections)


def build_quality_checks(
    asset_keys: Iterable[AssetKey] | None = None, suites: Sequence[TableSuite] = ALL_SUITES
) -> list[AssetChecksDefinition]:
    """One check per suite, or only those whose asset is in ``asset_keys`` (the Definitions' assets).

    Passing the keys keeps a check from pointing at an asset the code location does not have
    (a renamed or not yet merged dbt model).
    """
    wanted = None if asset_keys is None else set(asset_keys)
    return [build_suite_check(s) for s in suites if wanted is None or suite_asset_key(s) in wanted]


QUALITY_CHECKS: tuple[AssetChecksDefinition, ...] = tuple(build_quality_checks())
