"""Great Expectations 1.x validation of a pandas frame, in an ephemeral context.

Each run gets its own in-memory context (creating one takes milliseconds), so runs share no
state and nothing is written to disk. The outcome of every expectation is reduced to plain,
JSON-ready values: what failed, how much, the observed value and a few failing values and
row positions, which the Dagster check turns into metadata. GX is imported when a check
runs, not when the code location loads (every Dagster run loads it; GX takes seconds).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

from shop_analytics.quality.suite import Dimension, ExpectationSpec

# GX logs every metric it computes at INFO; a check run wants only its result.
logging.getLogger("great_expectations").setLevel(logging.WARNING)

SAMPLE_SIZE = 5
TEXT_LIMIT = 160


@dataclass(frozen=True)
class ExpectationOutcome:
    expectation: str  # GX type, e.g. expect_column_values_to_be_unique
    description: str
    columns: tuple[str, ...]
    dimension: Dimension
    severity: str  # critical | warning
    success: bool
    element_count: int | None
    unexpected_count: int | None
    observed_value: Any
    sample_values: tuple[Any, ...]
    sample_index: tuple[Any, ...]  # frame index labels of failing rows
    error: str | None = None

    @property
    def critical(self) -> bool:
        return self.severity == "critical"

    @property
    def unexpected_fraction(self) -> float | None:
        if self.element_count and self.unexpected_count is not None:
            return self.unexpected_count / self.element_count
        return None

    @property
    def pass_fraction(self) -> float:
        """Share of rows that meet the expectation; all or nothing for table-level expectations."""
        if self.error is not None:
            return 0.0
        fraction = self.unexpected_fraction
        if fraction is not None:
            return 1.0 - fraction
        return 1.0 if self.success else 0.0


@dataclass(frozen=True)
class Validation:
    outcomes: tuple[ExpectationOutcome, ...]

    @property
    def failures(self) -> tuple[ExpectationOutcome, ...]:
        return tuple(o for o in self.outcomes if not o.success)

    @property
    def critical_failures(self) -> tuple[ExpectationOutcome, ...]:
        return tuple(o for o in self.failures if o.critical)

    @property
    def passed(self) -> bool:
        return not self.failures


def _context() -> Any:
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(),
        progress_bars=ProgressBarsConfig(globally=False),
        analytics_enabled=False,
    )
    return gx.get_context(mode="ephemeral", project_config=config)


def validate(frame: pd.DataFrame, expectations: Sequence[ExpectationSpec], suite_name: str) -> Validation:
    """Run ``expectations`` over ``frame`` and summarise each result."""
    import great_expectations as gx

    context = _context()
    batch = (
        context.data_sources.add_pandas("quality")
        .add_dataframe_asset(suite_name)
        .add_batch_definition_whole_dataframe("scope")
        .get_batch(batch_parameters={"dataframe": frame})
    )
    suite = gx.ExpectationSuite(name=suite_name, expectations=[e.to_gx() for e in expectations])
    result = batch.validate(suite, result_format={"result_format": "SUMMARY", "partial_unexpected_count": 20})
    return Validation(outcomes=tuple(_outcome(r) for r in result.results))


def _outcome(result: Any) -> ExpectationOutcome:
    config = result.expectation_config
    kwargs = config.kwargs
    columns = tuple(c for c in (kwargs.get("column"), kwargs.get("column_A"), kwargs.get("column_B")) if c) or tuple(
        kwargs.get("column_list") or ()
    )
    details = result.result or {}
    severity = getattr(config.severity, "value", config.severity) or "critical"
    return ExpectationOutcome(
        expectation=config.type,
        description=config.description or config.type,
        columns=columns,
        dimension=Dimension((config.meta or {}).get("dimension", Dimension.VALIDITY.value)),
        severity=str(severity),
        success=bool(result.success),
        element_count=details.get("element_count"),
        unexpected_count=details.get("unexpected_count"),
        observed_value=plain(details.get("observed_value")),
        sample_values=tuple(plain(v) for v in (details.get("partial_unexpected_list") or [])[:SAMPLE_SIZE]),
        sample_index=tuple(details.get("partial_unexpected_index_list") or ()),
        error=_error(result.exception_info),
    )


def _error(info: Any) -> str | None:
    """The exception message GX caught, if any (it nests them per metric)."""
    if not isinstance(info, dict):
        return None
    if info.get("raised_exception"):
        return str(info.get("exception_message"))
    for nested in info.values():
        if isinstance(nested, dict) and nested.get("raised_exception"):
            return str(nested.get("exception_message"))
    return None


def plain(value: Any) -> Any:
    """``value`` as JSON-ready Python: numbers, strings (shortened), ISO times, lists, dicts."""
    if value is None or isinstance(value, bool | int | str):
        return value[:TEXT_LIMIT] if isinstance(value, str) else value
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if isinstance(value, np.generic):
        return plain(value.item())
    if isinstance(value, pd.Timestamp | datetime | date):
        return None if pd.isna(value) else value.isoformat()
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value[:16]).hex() + ("…" if len(value) > 16 else "")
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset | np.ndarray):
        return [plain(v) for v in value]
    if value is pd.NA or value is pd.NaT:
        return None
    return str(value)[:TEXT_LIMIT]
