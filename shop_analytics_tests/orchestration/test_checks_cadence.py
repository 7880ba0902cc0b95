"""When the Kafka sensor's ingest runs carry the bronze checks (pure decision, no services)."""

from __future__ import annotations

from shop_analytics.sensors.kafka_offsets_sensor import DEFAULT_CHECKS_EVERY_S, _cursor, checks_due


def test_checks_ride_along_once_per_interval() -> None:
    assert checks_due(0.0, 1_000.0, DEFAULT_CHECKS_EVERY_S)  # never checked: now
    assert not checks_due(1_000.0, 1_000.0 + DEFAULT_CHECKS_EVERY_S - 1, DEFAULT_CHECKS_EVERY_S)
    assert checks_due(1_000.0, 1_000.0 + DEFAULT_CHECKS_EVERY_S, DEFAULT_CHECKS_EVERY_S)
    assert checks_due(1_000.0, 1_000.0, 0)  # an interval of 0: every run


def test_a_cursor_that_is_not_json_counts_as_none() -> None:
    assert _cursor(None) == {}
    assert _cursor("not json") == {}
    assert _cursor('["a list"]') == {}
    assert _cursor('{"shop.clickstream": "{}"}') == {"shop.clickstream": "{}"}
