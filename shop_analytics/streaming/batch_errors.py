"""A failed micro-batch's own error, carried from where the batch ran to the run that waits.

Over Spark Connect (Spark 3.5) the batch function runs in the server's Python worker, and
when it raises, the client is told only ``[STREAM_FAILED] ... terminated with exception:``
with the message left empty: the run log would not say which batch failed or why. The
function is therefore wrapped (``RecordingBatchErrors``) so that a failure also leaves its
batch id and traceback in a file beside a local checkpoint (``<checkpoint>.error``, as the
linger lease sits beside it); the run reads it back when the query ends failed
(``raise_batch_error``). A checkpoint on an object store has no such file, and the error
stays what Spark reports.
"""

from __future__ import annotations

import json
import os
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shop_analytics.streaming.checkpoint import local_folder


def error_path(checkpoint: str) -> Path | None:
    """Where a failed batch of ``checkpoint``'s query leaves its error; None off this machine."""
    folder = local_folder(checkpoint)
    return None if folder is None else folder.with_name(folder.name + ".error")


@dataclass(frozen=True)
class BatchError:
    batch_id: int
    error: str  # the exception: its type and message (for a Spark error, with the JVM's stack)
    frames: str  # where the batch function raised it: the Python frames, as a traceback lists them
    at: float  # epoch seconds


class BatchFailed(RuntimeError):
    """A micro-batch of the ingest raised; the message says which batch and why."""


class RecordingBatchErrors:
    """A ``foreachBatch`` function that leaves a failure's traceback beside the checkpoint.

    Picklable like the function it wraps, so it ships to a Spark Connect server with it.
    """

    def __init__(self, checkpoint: str, inner: Callable[[Any, int], None]) -> None:
        self.checkpoint = checkpoint
        self.inner = inner

    def __call__(self, batch: Any, batch_id: int) -> None:
        try:
            self.inner(batch, batch_id)
        except BaseException as exc:
            record(self.checkpoint, batch_id, exc)
            raise


def record(checkpoint: str, batch_id: int, exc: BaseException) -> None:
    """Write ``exc`` as ``checkpoint``'s batch error (replacing an older one), when local."""
    path = error_path(checkpoint)
    if path is None:
        return
    text = json.dumps(
        {
            "batch_id": batch_id,
            "error": "".join(traceback.format_exception_only(type(exc), exc)).strip(),
            "frames": "".join(traceback.format_tb(exc.__traceback__)),
            "at": time.time(),
        }
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    written = path.with_name(f".{path.name}.{os.getpid()}")
    written.write_text(text)
    os.replace(written, path)  # a reader sees the old file or the whole new one


def clear(checkpoint: str) -> None:
    """Forget an earlier run's batch error (called before a query starts)."""
    path = error_path(checkpoint)
    if path is not None:
        path.unlink(missing_ok=True)


def read(checkpoint: str) -> BatchError | None:
    path = error_path(checkpoint)
    if path is None or not path.is_file():
        return None
    values = json.loads(path.read_text())
    return BatchError(int(values["batch_id"]), values["error"], values["frames"], float(values["at"]))


def raise_batch_error(checkpoint: str, topic: str, failure: BaseException | None) -> None:
    """Raise ``BatchFailed`` with the failed batch's own error, when one was recorded.

    ``failure``: what the query reported (chained as the cause). Does nothing when no batch
    error was recorded, so the caller's own handling of ``failure`` applies.
    """
    recorded = read(checkpoint)
    if recorded is None:
        return
    raise BatchFailed(
        f"bronze ingest of {topic} failed in batch {recorded.batch_id}: {recorded.error}\n"
        f"Raised in the batch function (in the Spark Connect server's Python worker) at:\n{recorded.frames}"
    ) from failure
