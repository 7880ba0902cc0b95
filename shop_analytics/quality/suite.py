"""What a quality suite is: a GX expectation list bound to the table it guards.

Suites are built per run (``TableSuite.build``) because some expectations take values read at
run time, such as the product ids of ``silver.products`` for a referential-integrity check.
Every expectation carries a GX ``severity`` (critical ones fail the Dagster check with ERROR
severity, which blocks downstream assets) and a quality ``dimension`` in its ``meta``, which
the score uses.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any

import pandas as pd


class Layer(str, Enum):
    BRONZE = "bronze"
    SILVER = "silver"
    GOLD = "gold"


class Dimension(str, Enum):
    """What an expectation says about the data (the axes of the quality score)."""

    COMPLETENESS = "completeness"  # required values and rows are there
    VALIDITY = "validity"  # values are in their domain: ranges, sets, formats
    CONSISTENCY = "consistency"  # keys unique, references resolve, totals reconcile, schema holds


@dataclass(frozen=True)
class ExpectationSpec:
    """One GX expectation, described: the GX class name and its arguments.

    Suites are declared with these rather than GX objects, so loading the code location
    (every Dagster run does) need not import GX; ``to_gx`` builds the real expectation
    when a check runs.
    """

    kind: str  # a class of great_expectations.expectations, e.g. "ExpectColumnValuesToNotBeNull"
    kwargs: dict[str, Any]
    severity: str
    description: str
    dimension: Dimension = Dimension.VALIDITY

    def with_dimension(self, dimension: Dimension) -> ExpectationSpec:
        return dataclasses.replace(self, dimension=dimension)

    def to_gx(self) -> Any:
        import great_expectations.expectations as gxe

        expectation_class = getattr(gxe, self.kind)
        return expectation_class(
            **self.kwargs, severity=self.severity, description=self.description, meta={"dimension": self.dimension.value}
        )


@dataclass(frozen=True)
class Namespaces:
    """The namespace (Glue database) of each layer; tests use their own."""

    bronze: str = "bronze"
    silver: str = "silver"
    gold: str = "gold"

    def of(self, layer: Layer) -> str:
        return {Layer.BRONZE: self.bronze, Layer.SILVER: self.silver, Layer.GOLD: self.gold}[layer]


@dataclass(frozen=True)
class Scope:
    """Which rows a run reads: all of them, or those from the start of the newest day in ``column``.

    The newest value comes from the data files' column statistics (no data is read for it), and
    the filter prunes every older day partition, so a check costs one day of data however long
    the table's history grows.
    """

    column: str | None = None

    @property
    def newest_day_only(self) -> bool:
        return self.column is not None


ALL_ROWS = Scope()


@dataclass(frozen=True)
class Reference:
    """The values of ``column`` in another table: the value set of a referential-integrity check."""

    layer: Layer
    table: str
    column: str

    @property
    def name(self) -> str:
        return f"{self.layer.value}.{self.table}.{self.column}"


@dataclass(frozen=True)
class Companion:
    """Another table a suite reads beside its own, to reconcile totals across tables."""

    name: str
    layer: Layer
    table: str
    columns: tuple[str, ...]
    scope: Scope = ALL_ROWS


@dataclass(frozen=True)
class SuiteInputs:
    """What a suite's expectations may depend on at run time."""

    references: Mapping[str, frozenset[str]]
    now: datetime

    def values(self, reference: Reference) -> list[str]:
        return sorted(self.references.get(reference.name, frozenset()))


# (checked rows, companion frames by name) -> the rows with derived ``_``-prefixed columns added
Derive = Callable[[pd.DataFrame, Mapping[str, pd.DataFrame]], pd.DataFrame]


@dataclass(frozen=True)
class TableSuite:
    """A versioned expectation suite for one table of one layer.

    ``version`` is bumped whenever the expectations change, so scores recorded over time can
    be compared like for like. ``key_columns`` identify a row in sample failing rows.
    """

    layer: Layer
    table: str
    version: int
    expectations: Callable[[SuiteInputs], list[ExpectationSpec]]
    key_columns: tuple[str, ...]
    description: str
    scope: Scope = ALL_ROWS
    references: tuple[Reference, ...] = ()
    companions: tuple[Companion, ...] = ()
    derive: Derive | None = None
    sla: float | None = None  # minimum quality score; None: the layer's default
    asset_path: tuple[str, ...] = field(default=())

    @property
    def name(self) -> str:
        return f"{self.layer.value}.{self.table}"

    @property
    def qualified_version(self) -> str:
        return f"{self.name}@v{self.version}"

    @property
    def key_path(self) -> tuple[str, ...]:
        """The asset key path of the asset the suite guards."""
        return self.asset_path or (self.layer.value, self.table)

    def build(self, inputs: SuiteInputs) -> list[ExpectationSpec]:
        return self.expectations(inputs)

    def is_blocking(self) -> bool:
        """Whether any expectation is critical (then a failure stops downstream materializations)."""
        probe = SuiteInputs(references={}, now=datetime(2000, 1, 1))
        return any(e.severity == "critical" for e in self.build(probe))
