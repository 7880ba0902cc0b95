"""What a simulation run is asked to do."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from shop_analytics.simulator.faults import FaultRates
from shop_analytics.simulator.producer import ProducerSettings
from shop_analytics.simulator.world import WorldSize

DEFAULT_BOOTSTRAP = "127.0.0.1:9092"


@dataclass(frozen=True)
class SimulationConfig:
    """Backfill (``days`` of past event time, as fast as possible) or live (``rate`` events/s now).

    ``end_ms`` ends a backfill window (default: today's UTC midnight), so the same seed and
    end give the same events. ``dry_run`` generates and serializes without Kafka or the
    registry (schema id 0 in the frames).
    """

    days: float | None = None
    rate: float | None = None
    duration_s: float | None = None
    bursty: bool = False
    seed: int = 42
    end_ms: int | None = None
    world: WorldSize = field(default_factory=WorldSize)
    bootstrap: str = DEFAULT_BOOTSTRAP
    schema_registry_url: str | None = None
    serializer: str = "fast"
    faults: FaultRates = field(default_factory=FaultRates)
    manifest_path: str | None = None
    producer: ProducerSettings = field(default_factory=ProducerSettings)
    create_topics: bool = True
    topic_prefix: str = ""  # e.g. "test123." to write to isolated copies of the catalog's topics
    reference_snapshot: bool = True
    max_events: int | None = None
    dry_run: bool = False
    # Generate and encode in a child process while this one produces (Kafka runs with the
    # fast serializer); the events are the same either way.
    parallel: bool = True

    def __post_init__(self) -> None:
        if (self.days is None) == (self.rate is None):
            raise ValueError("give exactly one of days (backfill) or rate (live)")
        if self.days is not None and self.days <= 0:
            raise ValueError(f"days must be positive, got {self.days}")
        if self.faults.enabled and not self.manifest_path:
            raise ValueError("fault injection needs a manifest path to record what was injected")
        if not self.dry_run and not self.schema_registry_url:
            raise ValueError("a schema registry URL is needed (or use dry_run)")

    @property
    def mode(self) -> str:
        return "backfill" if self.days is not None else "live"


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$")
_UNIT_S = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


def parse_duration(text: str) -> float:
    """Seconds in '10m', '90s', '1.5h', '2d' or a bare number of seconds."""
    match = _DURATION.match(text)
    if not match:
        raise ValueError(f"cannot read duration {text!r}: use a number with ms, s, m, h or d (e.g. 10m)")
    value, unit = match.groups()
    return float(value) * _UNIT_S[unit or "s"]
