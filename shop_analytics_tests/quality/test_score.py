"""The quality score: per-expectation pass shares, averaged per dimension, weighted."""

from __future__ import annotations

import pytest

from shop_analytics.quality.runner import ExpectationOutcome, Validation
from shop_analytics.quality.score import WEIGHTS, score
from shop_analytics.quality.suite import Dimension


def outcome(dimension: Dimension, unexpected: int | None, elements: int | None = 100, success: bool = True):
    return ExpectationOutcome(
        expectation="x", description="x", columns=(), dimension=dimension, severity="critical",
        success=success, element_count=elements, unexpected_count=unexpected, observed_value=None,
        sample_values=(), sample_index=(),
    )  # fmt: skip


def test_all_expectations_met_scores_one() -> None:
    result = score(Validation((outcome(Dimension.VALIDITY, 0), outcome(Dimension.COMPLETENESS, 0))))
    assert result.overall == 1.0 and result.consistency is None


def test_dimensions_average_row_shares_and_combine_by_weight() -> None:
    validation = Validation(
        (
            outcome(Dimension.COMPLETENESS, 10, success=False),  # 0.9
            outcome(Dimension.COMPLETENESS, 0),  # 1.0
            outcome(Dimension.VALIDITY, 20, success=False),  # 0.8
            outcome(Dimension.CONSISTENCY, None, None, success=False),  # table-level failure: 0
        )
    )
    result = score(validation)
    assert result.completeness == pytest.approx(0.95)
    assert result.validity == pytest.approx(0.8)
    assert result.consistency == 0.0
    expected = (0.95 * WEIGHTS[Dimension.COMPLETENESS] + 0.8 * WEIGHTS[Dimension.VALIDITY]) / sum(WEIGHTS.values())
    assert result.overall == pytest.approx(expected)


def test_missing_dimension_is_left_out_of_the_weights() -> None:
    result = score(Validation((outcome(Dimension.VALIDITY, 50, success=False),)))
    assert result.overall == pytest.approx(0.5)
