"""How numbers read on the page: one place, so the tests assert the same strings the page shows."""

from __future__ import annotations

import math

import pandas as pd

NONE = "n/a"


def _missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


# From this amount on, cents are noise on a tile (and "146,044.85 USD" no longer fits one).
WHOLE_UNITS_FROM = 10_000


def money(value: float | None, currency: str = "") -> str:
    if _missing(value):
        return NONE
    assert value is not None
    digits = 0 if abs(value) >= WHOLE_UNITS_FROM else 2
    return f"{value:,.{digits}f} {currency}".strip()


def count(value: float | None) -> str:
    return NONE if _missing(value) else f"{value:,.0f}"


def ratio(value: float | None, digits: int = 1) -> str:
    return NONE if _missing(value) else f"{value * 100:.{digits}f} %"


def change(value: float | None, unit: str = "") -> str | None:
    """A delta for st.metric: relative change in %, or a ratio's change in percentage points."""
    if _missing(value):
        return None
    assert value is not None
    if unit == "ratio":
        return f"{value * 100:+.1f} pp"
    return f"{value * 100:+.1f} %"


def seconds(value: float | None) -> str:
    """A duration the way people read it: 850 ms, 12.3 s, 4.2 min, 3.1 h, 2.0 d."""
    if _missing(value):
        return NONE
    assert value is not None
    if value < 1:
        return f"{value * 1000:.0f} ms"
    if value < 120:
        return f"{value:.1f} s"
    if value < 7200:
        return f"{value / 60:.1f} min"
    if value < 172800:
        return f"{value / 3600:.1f} h"
    return f"{value / 86400:.1f} d"


def timestamp(value: pd.Timestamp | None) -> str:
    if value is None or pd.isna(value):
        return NONE
    return f"{value:%Y-%m-%d %H:%M:%S} UTC"
