"""A Connect query start is tried again only when the server's Python worker missed its connect-back window."""

from __future__ import annotations

import pytest

from shop_analytics.streaming import bronze
from shop_analytics.streaming.bronze import WORKER_CONNECT_BACK, start_retrying


class _Starts:
    """A start that fails with the given errors first, then returns "query"."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "query"


@pytest.fixture(autouse=True)
def _no_pause(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bronze, "START_RETRY_PAUSE_S", 0.0)


def test_a_missed_connect_back_is_started_again_and_said() -> None:
    lines: list[str] = []
    start = _Starts(RuntimeError(f"(org.apache.spark.SparkException) {WORKER_CONNECT_BACK}."))
    assert start_retrying(start, lines.append) == "query"
    assert start.calls == 2
    assert lines == [f"query start 1 of 3 failed ({WORKER_CONNECT_BACK}); starting again"]


def test_other_errors_are_not_retried() -> None:
    start = _Starts(RuntimeError("[TABLE_OR_VIEW_NOT_FOUND] bronze.clickstream"))
    with pytest.raises(RuntimeError, match="TABLE_OR_VIEW_NOT_FOUND"):
        start_retrying(start, lambda _line: None)
    assert start.calls == 1


def test_the_last_attempts_error_is_raised() -> None:
    start = _Starts(*(RuntimeError(WORKER_CONNECT_BACK) for _ in range(3)))
    with pytest.raises(RuntimeError, match=WORKER_CONNECT_BACK):
        start_retrying(start, lambda _line: None, attempts=3)
    assert start.calls == 3
