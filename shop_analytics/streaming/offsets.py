"""Kafka offset bookkeeping shared by the ingest and the sensor that triggers it."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping

PartitionOffsets = Mapping[int, int]


def lag(end_offsets: PartitionOffsets, committed: PartitionOffsets) -> dict[int, int]:
    """Records per partition between what the ingest committed and the topic's end.

    A partition the ingest has never seen counts from offset 0. Lag is never negative:
    a topic that was recreated with fewer records than committed reads as zero lag.
    """
    return {p: max(0, end - committed.get(p, 0)) for p, end in sorted(end_offsets.items())}


def has_new_data(end_offsets: PartitionOffsets, committed: PartitionOffsets) -> bool:
    return any(value > 0 for value in lag(end_offsets, committed).values())


def fingerprint(topic: str, offsets: PartitionOffsets) -> str:
    """A stable short id of a topic's offsets, used as a sensor run key."""
    canonical = json.dumps({"topic": topic, "offsets": {str(p): o for p, o in sorted(offsets.items())}})
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def to_json(offsets: PartitionOffsets) -> str:
    return json.dumps({str(p): int(o) for p, o in sorted(offsets.items())})


def from_json(text: str | None) -> dict[int, int]:
    if not text:
        return {}
    return {int(p): int(o) for p, o in json.loads(text).items()}
