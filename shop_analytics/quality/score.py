"""The data quality score of one check run: completeness, validity and consistency, weighted.

Each expectation scores the share of rows that meet it (all or nothing for table-level
expectations such as the schema), and a dimension scores the mean of its expectations.
The overall score is the weighted mean over the dimensions the suite has, so a suite without
consistency expectations is not rewarded or punished for it. Scores are fractions in 0..1.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from statistics import fmean

from shop_analytics.quality.runner import Validation
from shop_analytics.quality.suite import Dimension, Layer

# Validity weighs most: wrong values mislead, missing ones at least show.
WEIGHTS: Mapping[Dimension, float] = {
    Dimension.COMPLETENESS: 0.3,
    Dimension.VALIDITY: 0.4,
    Dimension.CONSISTENCY: 0.3,
}

# The score below which a run is a critical alert, per layer: bronze is raw and may carry
# what silver later rejects; gold is what the business reads.
DEFAULT_SLAS: Mapping[Layer, float] = {Layer.BRONZE: 0.95, Layer.SILVER: 0.98, Layer.GOLD: 0.99}


@dataclass(frozen=True)
class QualityScore:
    completeness: float | None
    validity: float | None
    consistency: float | None
    overall: float

    def of(self, dimension: Dimension) -> float | None:
        return {
            Dimension.COMPLETENESS: self.completeness,
            Dimension.VALIDITY: self.validity,
            Dimension.CONSISTENCY: self.consistency,
        }[dimension]


def score(validation: Validation, weights: Mapping[Dimension, float] = WEIGHTS) -> QualityScore:
    by_dimension: dict[Dimension, float | None] = {}
    for dimension in Dimension:
        fractions = [o.pass_fraction for o in validation.outcomes if o.dimension is dimension]
        by_dimension[dimension] = fmean(fractions) if fractions else None
    present = {d: s for d, s in by_dimension.items() if s is not None}
    total_weight = sum(weights[d] for d in present)
    overall = sum(weights[d] * s for d, s in present.items()) / total_weight if total_weight else 1.0
    return QualityScore(
        completeness=_round(by_dimension[Dimension.COMPLETENESS]),
        validity=_round(by_dimension[Dimension.VALIDITY]),
        consistency=_round(by_dimension[Dimension.CONSISTENCY]),
        overall=round(overall, 6),
    )


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 6)
