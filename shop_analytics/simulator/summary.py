"""The closing account of a run: events by topic and type, rate, deliveries, faults."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class SimulationSummary:
    mode: str
    seed: int
    start_ms: int
    end_ms: int | None
    events: int = 0  # clean events generated (and sent)
    events_by_topic: dict[str, int] = field(default_factory=dict)
    events_by_type: dict[str, dict[str, int]] = field(default_factory=dict)
    produced: int = 0  # records handed to the sink, faults included
    delivered: int = 0
    failed: int = 0
    undelivered: int = 0  # still in flight when the flush timed out
    faults: dict[str, int] = field(default_factory=dict)
    manifest_path: str | None = None
    elapsed_s: float = 0.0
    schema_ids: dict[str, int] = field(default_factory=dict)
    topics: dict[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    stopped_by: str | None = None

    @property
    def rate(self) -> float:
        """Records produced per second of wall time."""
        return self.produced / self.elapsed_s if self.elapsed_s > 0 else 0.0

    @property
    def ok(self) -> bool:
        return self.failed == 0 and self.undelivered == 0

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["rate"] = round(self.rate, 1)
        return data

    def format(self) -> str:
        lines = [f"{self.mode} simulation, seed {self.seed}: {self.events:,} events in {self.elapsed_s:.1f}s"]
        width = max((len(t) for t in self.events_by_topic), default=10) + 2
        for topic in sorted(self.events_by_topic):
            lines.append(f"  {topic:<{width}}{self.events_by_topic[topic]:>12,}")
            for event_type, n in sorted(self.events_by_type.get(topic, {}).items()):
                lines.append(f"      {event_type:<{width - 4}}{n:>12,}")
        lines.append(
            f"  produced {self.produced:,}  delivered {self.delivered:,}  failed {self.failed:,}"
            f"  undelivered {self.undelivered:,}  rate {self.rate:,.0f} records/s"
        )
        if self.faults:
            kinds = ", ".join(f"{k} {v:,}" for k, v in sorted(self.faults.items()))
            lines.append(f"  faults injected: {kinds} (manifest: {self.manifest_path})")
        if self.stopped_by:
            lines.append(f"  stopped early by {self.stopped_by}")
        for error in self.errors:
            lines.append(f"  error: {error}")
        return "\n".join(lines)
