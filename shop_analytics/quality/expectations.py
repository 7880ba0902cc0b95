"""Short constructors for the GX expectations the suites use, each tagged with its quality
dimension and severity, and described in words an on-call engineer reads in an alert.

Critical: a failure makes the Dagster check fail with ERROR severity (blocking). Warning: the
check fails with WARN severity and nothing downstream stops.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from shop_analytics.quality.suite import Dimension, ExpectationSpec

CRITICAL = "critical"
WARNING = "warning"


def _tagged(spec: ExpectationSpec, dimension: Dimension) -> ExpectationSpec:
    return spec.with_dimension(dimension)


def _spec(kind: str, *, severity: str, description: str, **kwargs: Any) -> ExpectationSpec:
    return ExpectationSpec(kind=kind, kwargs=kwargs, severity=severity, description=description)


def columns_present(columns: Sequence[str], *, exact: bool = False, severity: str = CRITICAL) -> ExpectationSpec:
    what = "exactly these columns" if exact else "at least these columns"
    return _tagged(
        _spec(
            "ExpectTableColumnsToMatchSet",
            column_set=list(columns),
            exact_match=exact,
            severity=severity,
            description=f"table has {what}: schema",
        ),
        Dimension.CONSISTENCY,
    )


def has_rows(*, severity: str = WARNING) -> ExpectationSpec:
    return _tagged(
        _spec(
            "ExpectTableRowCountToBeBetween", min_value=1, severity=severity, description="the checked scope has rows"
        ),
        Dimension.COMPLETENESS,
    )


def not_null(column: str, *, severity: str = CRITICAL, mostly: float | None = None) -> ExpectationSpec:
    extra: dict[str, Any] = {"mostly": mostly} if mostly is not None else {}
    return _tagged(
        _spec(
            "ExpectColumnValuesToNotBeNull",
            column=column,
            severity=severity,
            description=f"{column} is never null",
            **extra,
        ),
        Dimension.COMPLETENESS,
    )


def unique(column: str, *, severity: str = CRITICAL, where: str | None = None) -> ExpectationSpec:
    extra: dict[str, Any] = {"row_condition": where, "condition_parser": "pandas"} if where else {}
    scope = f" among rows where {where}" if where else ""
    return _tagged(
        _spec(
            "ExpectColumnValuesToBeUnique",
            column=column,
            severity=severity,
            description=f"{column} is unique{scope}",
            **extra,
        ),
        Dimension.CONSISTENCY,
    )


def unique_together(columns: Sequence[str], *, severity: str = CRITICAL) -> ExpectationSpec:
    return _tagged(
        _spec(
            "ExpectCompoundColumnsToBeUnique",
            column_list=list(columns),
            severity=severity,
            description=f"({', '.join(columns)}) is unique",
        ),
        Dimension.CONSISTENCY,
    )


def between(
    column: str,
    minimum: float | datetime | None = None,
    maximum: float | datetime | None = None,
    *,
    severity: str = CRITICAL,
    where: str | None = None,
    mostly: float | None = None,
) -> ExpectationSpec:
    if minimum is not None and maximum is not None:
        words = f"is between {minimum} and {maximum}"
    elif minimum is not None:
        words = "is not negative" if minimum == 0 else f"is at least {minimum}"
    else:
        words = f"is at most {maximum}"
    extra: dict[str, Any] = {"row_condition": where, "condition_parser": "pandas"} if where else {}
    if mostly is not None:
        extra["mostly"] = mostly
    scope = f" where {where}" if where else ""
    if mostly is not None:
        scope += f" for {mostly:.0%} of rows"
    return _tagged(
        _spec(
            "ExpectColumnValuesToBeBetween",
            column=column,
            min_value=minimum,
            max_value=maximum,
            severity=severity,
            description=f"{column} {words}{scope}",
            **extra,
        ),
        Dimension.VALIDITY,
    )


def one_of(column: str, values: Sequence[Any], *, severity: str = WARNING) -> ExpectationSpec:
    return _tagged(
        _spec(
            "ExpectColumnValuesToBeInSet",
            column=column,
            value_set=list(values),
            severity=severity,
            description=f"{column} is one of {', '.join(map(str, values))}",
        ),
        Dimension.VALIDITY,
    )


def references(column: str, target: str, values: Sequence[str], *, severity: str = CRITICAL) -> ExpectationSpec:
    """Referential integrity: every non-null ``column`` value is a key of ``target``."""
    return _tagged(
        _spec(
            "ExpectColumnValuesToBeInSet",
            column=column,
            value_set=list(values),
            severity=severity,
            description=f"{column} exists in {target}",
        ),
        Dimension.CONSISTENCY,
    )


def matches(column: str, pattern: str, *, severity: str = WARNING, what: str = "") -> ExpectationSpec:
    return _tagged(
        _spec(
            "ExpectColumnValuesToMatchRegex",
            column=column,
            regex=pattern,
            severity=severity,
            description=f"{column} looks like {what or pattern}",
        ),
        Dimension.VALIDITY,
    )


def equal(column: str, derived: str, explanation: str, *, severity: str = CRITICAL) -> ExpectationSpec:
    """Row by row, ``column`` equals a value computed from other columns (a reconciliation)."""
    return _tagged(
        _spec(
            "ExpectColumnPairValuesToBeEqual",
            column_A=column,
            column_B=derived,
            # A missing input is the completeness expectations' finding, not a mismatch.
            ignore_row_if="either_value_is_missing",
            severity=severity,
            description=f"{column} = {explanation}",
        ),
        Dimension.CONSISTENCY,
    )


def not_before(later: str, earlier: str, *, severity: str = WARNING) -> ExpectationSpec:
    return _tagged(
        _spec(
            "ExpectColumnPairValuesAToBeGreaterThanB",
            column_A=later,
            column_B=earlier,
            or_equal=True,
            ignore_row_if="either_value_is_missing",
            severity=severity,
            description=f"{later} >= {earlier}",
        ),
        Dimension.CONSISTENCY,
    )
