"""The incident store: repeats suppressed, escalations and resolutions once, state on disk."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from shop_analytics.alerts.incidents import IncidentStore, Transition
from shop_analytics.alerts.model import Level


def test_repeat_is_suppressed_escalation_is_not(tmp_path: Path) -> None:
    store = IncidentStore(tmp_path / "incidents.sqlite")

    first = store.open("freshness:silver/orders", Level.WARNING, "stale", 100.0)
    repeat = store.open("freshness:silver/orders", Level.WARNING, "stale", 200.0)
    escalated = store.open("freshness:silver/orders", Level.CRITICAL, "very stale", 300.0)
    after = store.open("freshness:silver/orders", Level.WARNING, "stale", 400.0)

    assert [first, repeat, escalated, after] == [
        Transition.OPENED,
        Transition.REPEAT,
        Transition.ESCALATED,
        Transition.REPEAT,
    ]
    incident = store.get("freshness:silver/orders")
    assert incident is not None and incident.level is Level.CRITICAL and incident.title == "very stale"


def test_resolution_happens_once_and_a_new_failure_opens_a_new_incident(tmp_path: Path) -> None:
    store = IncidentStore(tmp_path / "incidents.sqlite")
    store.open("run:silver_job", Level.CRITICAL, "run failed", 100.0)
    store.open("run:silver_job", Level.CRITICAL, "run failed", 160.0)

    closed = store.resolve("run:silver_job", 700.0)

    assert closed is not None and closed.duration_s == 600.0 and closed.occurrences == 2
    assert store.resolve("run:silver_job", 800.0) is None
    assert store.open("run:silver_job", Level.CRITICAL, "run failed", 900.0) is Transition.OPENED


def test_state_survives_a_new_process(tmp_path: Path) -> None:
    path = tmp_path / "state" / "incidents.sqlite"
    IncidentStore(path).open("lag:bronze/orders", Level.WARNING, "lag", 1.0)

    assert IncidentStore(path).open("lag:bronze/orders", Level.WARNING, "lag", 2.0) is Transition.REPEAT
    assert IncidentStore(path).open_keys("lag:") == ["lag:bronze/orders"]


def test_concurrent_sightings_open_one_incident(tmp_path: Path) -> None:
    path = tmp_path / "incidents.sqlite"
    IncidentStore(path)

    def sight(i: int) -> Transition:
        return IncidentStore(path).open("check:silver/orders:great_expectations", Level.CRITICAL, "failed", float(i))

    with ThreadPoolExecutor(max_workers=8) as pool:
        transitions = list(pool.map(sight, range(16)))

    assert transitions.count(Transition.OPENED) == 1
    assert transitions.count(Transition.REPEAT) == 15  # no second send while the first is in flight


def test_failed_delivery_is_sent_again_by_the_next_sighting_only(tmp_path: Path) -> None:
    store = IncidentStore(tmp_path / "incidents.sqlite")
    store.open("run:gold_build_job", Level.CRITICAL, "failed", 1.0)
    store.mark_undelivered("run:gold_build_job")

    assert store.open("run:gold_build_job", Level.CRITICAL, "failed", 2.0) is Transition.REDELIVER
    assert store.open("run:gold_build_job", Level.CRITICAL, "failed", 3.0) is Transition.REPEAT
