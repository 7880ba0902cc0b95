"""Fixtures of the simulator tests.

Unit tests share one small backfill (a few days, a few thousand customers) generated once.
Integration tests use the suite's ``kafka_bootstrap`` and ``schema_registry_url``; set
``SIM_TEST_BOOTSTRAP`` and ``SIM_TEST_REGISTRY`` to run them against services already up.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

from shop_analytics.simulator import SimulationConfig, WorldSize, simulation_events
from shop_analytics.simulator.events import Event

# 2026-11-20 00:00 UTC: a fixed window end, so runs are reproducible whatever today is.
FIXED_END_MS = 1_795_132_800_000
SMALL_WORLD = WorldSize(customers=3_000, products=240, stores=10)


def small_config(**overrides: object) -> SimulationConfig:
    values: dict[str, object] = {
        "days": 8,
        "end_ms": FIXED_END_MS,
        "dry_run": True,
        "world": SMALL_WORLD,
        "seed": 7,
    }
    values.update(overrides)
    return SimulationConfig(**values)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def backfill_events() -> list[Event]:
    """Eight days of a small shop, reference snapshot included."""
    return list(simulation_events(small_config()))


@pytest.fixture(scope="session")
def sim_bootstrap(request: pytest.FixtureRequest) -> str:
    return os.environ.get("SIM_TEST_BOOTSTRAP") or request.getfixturevalue("kafka_bootstrap")


@pytest.fixture(scope="session")
def sim_registry(request: pytest.FixtureRequest) -> str:
    return os.environ.get("SIM_TEST_REGISTRY") or request.getfixturevalue("schema_registry_url")


@pytest.fixture
def topic_prefix() -> Iterator[str]:
    """A fresh prefix per test, so each test writes to its own copies of the topics."""
    yield f"t{uuid.uuid4().hex[:10]}."
