"""Read the Kafka offsets a Structured Streaming checkpoint has committed.

The checkpoint is the source of truth for what the ingest has consumed: ``offsets/<n>``
is written before batch n runs and ``commits/<n>`` after it has been written to the sink.
The newest n with both files gives the offsets that are in bronze. The offsets file is
text: a version line, a JSON line of batch metadata, then one JSON line per source.
"""

from __future__ import annotations

import json
from pathlib import Path


def local_folder(checkpoint: str | Path) -> Path | None:
    """The folder of ``checkpoint`` on this machine (a path or a ``file:`` URI); None where
    it is elsewhere (an object store such as ``s3://``)."""
    text = str(checkpoint)
    if "://" in text and not text.startswith("file:"):
        return None
    return Path(text.removeprefix("file://").removeprefix("file:"))


def committed_offsets(checkpoint: str | Path, topic: str) -> dict[int, int]:
    """Next offset to read per partition of ``topic``, or {} if nothing was committed yet
    (or the checkpoint is not a local folder, which this reader cannot list)."""
    root = local_folder(checkpoint)
    if root is None:
        return {}
    commits = _batch_ids(root / "commits")
    if not commits:
        return {}
    latest = max(commits)
    lines = (root / "offsets" / str(latest)).read_text().splitlines()
    for line in lines[2:]:
        if not line.strip().startswith("{"):
            continue
        source = json.loads(line)
        if topic in source:
            return {int(p): int(o) for p, o in source[topic].items()}
    return {}


def next_batch_may_replay(checkpoint: str | Path) -> bool:
    """Whether a query started now on ``checkpoint`` may begin by running a batch again.

    On restart Spark re-runs the newest batch of ``offsets/`` when ``commits/`` lacks it (a
    run died mid-batch) and otherwise plans a batch that never ran before. Only a re-run
    can find its writes already in a table. True also when the checkpoint is not a local
    folder (an object store), where the caller then looks the batch up in the tables.
    """
    root = local_folder(checkpoint)
    if root is None:
        return True
    offsets = _batch_ids(root / "offsets")
    return bool(offsets) and max(offsets) > max(_batch_ids(root / "commits"), default=-1)


def _batch_ids(folder: Path) -> list[int]:
    if not folder.is_dir():
        return []
    return [int(p.name) for p in folder.iterdir() if p.name.isdigit()]
