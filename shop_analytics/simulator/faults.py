"""Fault injection for testing the pipeline's defences, off unless a rate is set.

Per clean event, with the configured probabilities:

- ``malformed``: an extra record of bytes no Avro reader can take (bad magic byte,
  unknown schema id, truncated body or random garbage), keyed like the event.
- ``invalid``: an extra, Avro-valid copy of the event with a new event id and one broken
  business value: ``negative_quantity``, ``unknown_product``, ``price_mismatch`` or
  ``future_timestamp``.
- ``duplicate``: the event's exact bytes re-sent a little later (same event id).
- ``late``: the event itself is re-timed hours into the past (same id, arrives late).

The clean stream is therefore the same as a run without faults (except re-timed late
events), and every injected record is listed in the manifest: topic, key, event id,
fault kind and detail, and, after delivery, partition and offset. Faults draw from their
own random stream, so switching them on does not change the clean events. The runner
injects into event topics only; reference topics (customers, products, ...) stay clean.
"""

from __future__ import annotations

import copy
import json
import random
import time
from collections import Counter, deque
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

FAULT_KINDS = ("malformed", "invalid", "duplicate", "late")
INVALID_KINDS = ("negative_quantity", "unknown_product", "price_mismatch", "future_timestamp")
MALFORMED_KINDS = ("bad_magic_byte", "unknown_schema_id", "truncated", "garbage")
HOUR_MS = 3_600_000
DAY_MS = 86_400_000
UNKNOWN_SCHEMA_ID = 2**31 - 1


@dataclass(frozen=True)
class FaultRates:
    """Probability per clean event of each fault (0 disables it)."""

    malformed: float = 0.0
    invalid: float = 0.0
    duplicate: float = 0.0
    late: float = 0.0
    late_hours: tuple[float, float] = (1.0, 6.0)

    def __post_init__(self) -> None:
        for kind in FAULT_KINDS:
            rate = getattr(self, kind)
            if not 0.0 <= rate <= 1.0:
                raise ValueError(f"fault rate {kind}={rate} must be between 0 and 1")

    @property
    def enabled(self) -> bool:
        return any(getattr(self, kind) > 0 for kind in FAULT_KINDS)


@dataclass
class ManifestEntry:
    topic: str
    key: str
    event_id: str
    fault: str  # one of FAULT_KINDS
    detail: str
    original_event_id: str | None = None
    partition: int | None = None
    offset: int | None = None
    delivery_error: str | None = None

    def delivered(self, partition: int, offset: int) -> None:
        self.partition, self.offset = partition, offset


@dataclass
class Outgoing:
    """A record ready for the sink: bytes, and the manifest entry when it is an injected fault."""

    topic: str
    key: str
    value: bytes
    entry: ManifestEntry | None = None


@dataclass
class FaultInjector:
    rates: FaultRates
    seed: int
    id_namespace: str
    wall_clock_ms: Any = None  # callable returning now in ms, for future timestamps
    topics: frozenset[str] | None = None  # topics to inject into (None: all)
    entries: list[ManifestEntry] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed * 104_729 + 3)
        self._pending: deque[tuple[int, Outgoing]] = deque()
        self._tick = 0
        self._n = 0
        if self.wall_clock_ms is None:
            self.wall_clock_ms = lambda: int(time.time() * 1000)

    # -- before encoding: faults that change the event itself -------------------------------
    def retime(self, topic: str, key: str, record: dict[str, Any]) -> ManifestEntry | None:
        """Maybe make this event late: its event_time moves hours back. Call before encoding."""
        if self.topics is not None and topic not in self.topics:
            return None
        if self.rates.late and self._rng.random() < self.rates.late:
            lo, hi = self.rates.late_hours
            shift = int(self._rng.uniform(lo, hi) * HOUR_MS)
            original = record["event_time"]
            record["event_time"] = original - shift
            entry = ManifestEntry(
                topic, key, record["event_id"], "late", f"event_time moved back {shift} ms from {original}"
            )
            self._record(entry)
            return entry
        return None

    # -- after encoding: extra records -----------------------------------------------------------
    def extras(self, topic: str, key: str, record: dict[str, Any], value: bytes, encode: Any) -> list[Outgoing]:
        """Extra records to send after this event (and duplicates that have come due)."""
        self._tick += 1
        rng, rates = self._rng, self.rates
        out: list[Outgoing] = []
        while self._pending and self._pending[0][0] <= self._tick:
            out.append(self._pending.popleft()[1])
        if self.topics is not None and topic not in self.topics:
            return out
        if rates.malformed and rng.random() < rates.malformed:
            out.append(self._malformed(topic, key, record, value))
        if rates.invalid and rng.random() < rates.invalid:
            out.append(self._invalid(topic, key, record, encode))
        if rates.duplicate and rng.random() < rates.duplicate:
            entry = ManifestEntry(topic, key, record["event_id"], "duplicate", "same bytes re-sent")
            self._record(entry)
            self._pending.append((self._tick + rng.randint(1, 500), Outgoing(topic, key, value, entry)))
        return out

    def drain(self) -> list[Outgoing]:
        """Duplicates still waiting at the end of the run."""
        out = [item for _, item in self._pending]
        self._pending.clear()
        return out

    # -- the kinds -------------------------------------------------------------------------------
    def _fault_id(self) -> str:
        self._n += 1
        return f"{self.id_namespace[:-5]}f{self.id_namespace[-4:]}{self._n:012x}"

    def _record(self, entry: ManifestEntry) -> None:
        self.entries.append(entry)
        self.counts[entry.fault] += 1

    def _malformed(self, topic: str, key: str, record: dict[str, Any], value: bytes) -> Outgoing:
        kind = self._rng.choice(MALFORMED_KINDS)
        if kind == "bad_magic_byte":
            data = b"\x07" + value[1:]
        elif kind == "unknown_schema_id":
            data = b"\x00" + UNKNOWN_SCHEMA_ID.to_bytes(4, "big") + value[5:]
        elif kind == "truncated":
            data = value[: max(6, len(value) // 3)]
        else:
            data = self._rng.randbytes(self._rng.randint(1, 64))
        entry = ManifestEntry(topic, key, self._fault_id(), "malformed", kind, original_event_id=record["event_id"])
        self._record(entry)
        return Outgoing(topic, key, data, entry)

    def _invalid(self, topic: str, key: str, record: dict[str, Any], encode: Any) -> Outgoing:
        bad = copy.deepcopy(record)
        bad["event_id"] = self._fault_id()
        kind = self._break(bad)
        entry = ManifestEntry(topic, key, bad["event_id"], "invalid", kind, original_event_id=record["event_id"])
        self._record(entry)
        return Outgoing(topic, key, encode(bad), entry)

    def _break(self, r: dict[str, Any]) -> str:
        """Break one business rule that fits this record; future timestamps fit every record."""
        options = ["future_timestamp"]
        lines = r.get("lines")
        if lines or r.get("quantity") is not None or "quantity_delta" in r:
            options.append("negative_quantity")
        if lines or r.get("product_id") is not None:
            options.append("unknown_product")
        if "total_cents" in r or r.get("unit_price_cents") is not None:
            options.append("price_mismatch")
        kind = self._rng.choice(options)
        if kind == "future_timestamp":
            r["event_time"] = self.wall_clock_ms() + int(self._rng.uniform(1, 30) * DAY_MS)
        elif kind == "negative_quantity":
            if lines:
                lines[0]["quantity"] = -abs(lines[0]["quantity"])
            elif "quantity_delta" in r:
                r["stock_after"] = -abs(r["quantity_delta"]) - 1
            else:
                r["quantity"] = -abs(r["quantity"])
        elif kind == "unknown_product":
            unknown = f"P9{self._rng.randrange(10**4):04d}X"
            if lines:
                lines[0]["product_id"] = unknown
            else:
                r["product_id"] = unknown
        else:  # price_mismatch
            if "total_cents" in r:
                r["total_cents"] += self._rng.choice((-1, 1)) * self._rng.randint(100, 5000)
            else:
                r["unit_price_cents"] = r["unit_price_cents"] * 3 + 1
        return kind


def write_manifest(path: str | Path, entries: list[ManifestEntry]) -> Path:
    """Write the manifest as JSON lines, in injection order."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        for entry in entries:
            fh.write(json.dumps(asdict(entry), sort_keys=True) + "\n")
    return path


def read_manifest(path: str | Path) -> list[ManifestEntry]:
    with Path(path).open(encoding="utf-8") as fh:
        return [ManifestEntry(**json.loads(line)) for line in fh if line.strip()]
