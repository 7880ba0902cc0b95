"""Tiny silver frames for the derived-layer tests, built from the contract in tables.py."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from shop_analytics.silver.tables import SilverTable


def frame(spark: SparkSession, table: SilverTable, rows: Sequence[Mapping[str, Any]]) -> DataFrame:
    """A frame with every column of ``table``; timestamps are given as 'YYYY-MM-DD HH:MM:SS'
    strings and parsed in the session time zone (UTC), so tests do not depend on the host's."""
    unknown = {key for row in rows for key in row} - set(table.column_names)
    assert not unknown, f"not columns of {table.name}: {unknown}"
    staged = ", ".join(f"{name} {'string' if kind == 'timestamp' else kind}" for name, kind in table.columns)
    data = [tuple(row.get(name) for name in table.column_names) for row in rows]
    return spark.createDataFrame(data, staged).select(
        *(F.col(name).cast(kind).alias(name) for name, kind in table.columns)
    )


def records(frame: DataFrame, *columns: str) -> list[dict[str, Any]]:
    """Rows as dicts, timestamps as UTC strings, sorted for stable comparisons."""
    kinds = dict(frame.dtypes)
    chosen = columns or tuple(frame.columns)
    selected = frame.select(
        *(F.col(c).cast("string").alias(c) if kinds[c] == "timestamp" else F.col(c) for c in chosen)
    )
    return sorted((row.asDict() for row in selected.collect()), key=lambda r: tuple(str(r[c]) for c in chosen))
