"""One quality suite end to end, without Dagster: read the scoped rows and the reference
values, derive reconciliation columns, validate with GX, score.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd
from pyiceberg.catalog import Catalog

from shop_analytics.quality import reader
from shop_analytics.quality.runner import ExpectationOutcome, Validation, plain, validate
from shop_analytics.quality.score import DEFAULT_SLAS, QualityScore, score
from shop_analytics.quality.scores_table import ScoreRecord
from shop_analytics.quality.suite import Namespaces, SuiteInputs, TableSuite


@dataclass(frozen=True)
class SuiteRun:
    suite: TableSuite
    identifier: str
    rows: reader.ScopedRows
    validation: Validation
    score: QualityScore
    sla: float
    missing_inputs: tuple[str, ...]  # reference or companion tables not built yet

    @property
    def below_sla(self) -> bool:
        return self.score.overall < self.sla

    @property
    def rows_checked(self) -> int:
        return len(self.rows.frame)

    def sample_rows(self, outcome: ExpectationOutcome, limit: int = 5) -> list[dict[str, Any]]:
        """Failing rows of ``outcome``: the suite's key columns and the columns the expectation reads."""
        frame = self.rows.frame
        index = [i for i in outcome.sample_index if i in frame.index][:limit]
        if not index:
            return []
        columns = [c for c in dict.fromkeys((*self.suite.key_columns, *outcome.columns)) if c in frame.columns]
        return [{c: plain(v) for c, v in row.items()} for row in frame.loc[index, columns].to_dict("records")]

    def record(self, checked_at: datetime, check_name: str, run_id: str | None) -> ScoreRecord:
        return ScoreRecord(
            checked_at=checked_at,
            asset_key="/".join(self.suite.key_path),
            layer=self.suite.layer.value,
            suite=self.suite.name,
            suite_version=self.suite.version,
            check_name=check_name,
            run_id=run_id,
            scope=self.rows.scope,
            rows_checked=self.rows_checked,
            completeness=self.score.completeness,
            validity=self.score.validity,
            consistency=self.score.consistency,
            score=self.score.overall,
            sla=self.sla,
            below_sla=self.below_sla,
            expectations=len(self.validation.outcomes),
            failed_expectations=len(self.validation.failures),
            critical_failures=len(self.validation.critical_failures),
        )


def run_suite(
    catalog: Catalog,
    suite: TableSuite,
    namespaces: Namespaces,
    now: datetime,
    layer_sla: float | None = None,
) -> SuiteRun:
    """Validate ``suite``'s table; raises ``reader.TableNotBuilt`` when the table does not exist."""
    identifier = f"{namespaces.of(suite.layer)}.{suite.table}"
    rows = reader.read_scoped(catalog, identifier, suite.scope, now=now)
    missing: list[str] = []
    references: dict[str, frozenset[str]] = {}
    for ref in suite.references:
        try:
            references[ref.name] = reader.column_values(catalog, f"{namespaces.of(ref.layer)}.{ref.table}", ref.column)
        except reader.TableNotBuilt as absent:
            # Every reference then fails to resolve, which is the truth; the metadata says why.
            references[ref.name] = frozenset()
            missing.append(absent.identifier)
    companions: dict[str, pd.DataFrame] = {}
    for companion in suite.companions:
        try:
            companions[companion.name] = reader.read_scoped(
                catalog,
                f"{namespaces.of(companion.layer)}.{companion.table}",
                companion.scope,
                columns=companion.columns,
                since=rows.start if companion.scope.newest_day_only else None,
            ).frame
        except reader.TableNotBuilt as absent:
            missing.append(absent.identifier)
    frame = suite.derive(rows.frame, companions) if suite.derive else rows.frame
    checked = reader.ScopedRows(frame=frame, scope=rows.scope, start=rows.start)
    validation = validate(frame, suite.build(SuiteInputs(references=references, now=now)), suite.name)
    return SuiteRun(
        suite=suite,
        identifier=identifier,
        rows=checked,
        validation=validation,
        score=score(validation),
        sla=_sla(suite, layer_sla),
        missing_inputs=tuple(missing),
    )


def _sla(suite: TableSuite, layer_sla: float | None) -> float:
    """A suite's own SLA wins over the configured one for its layer, which wins over the default."""
    if suite.sla is not None:
        return suite.sla
    return layer_sla if layer_sla is not None else DEFAULT_SLAS[suite.layer]


def failing_summary(outcomes: Sequence[ExpectationOutcome]) -> str:
    """One line naming what failed, for a check description and an alert."""
    return "; ".join(
        f"{o.description} ({o.unexpected_count} of {o.element_count} rows)" if o.unexpected_count else o.description
        for o in outcomes
    )
