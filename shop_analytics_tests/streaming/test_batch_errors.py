"""A failed batch's error, left beside a local checkpoint and raised by the run that waits.

Real files, no Spark: the Spark Connect end of it (the server's worker writing the file) is
test_spark_connect_ingest.py's failing-batch test.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from shop_analytics.streaming import batch_errors
from shop_analytics.streaming.batch_errors import BatchFailed, RecordingBatchErrors


def _failing_write(batch: object, batch_id: int) -> None:
    raise ValueError(f"cannot write batch {batch_id} of {batch}")


def test_a_failing_batch_leaves_its_error_and_the_run_raises_it(tmp_path: Path) -> None:
    checkpoint = str(tmp_path / "checkpoints" / "clicks")
    recording = RecordingBatchErrors(checkpoint, _failing_write)
    with pytest.raises(ValueError, match="cannot write batch 7"):
        recording("frame", 7)  # the batch function still fails the batch
    assert batch_errors.error_path(checkpoint) == tmp_path / "checkpoints" / "clicks.error"

    reported = RuntimeError("[STREAM_FAILED] terminated with exception: ")
    with pytest.raises(BatchFailed) as failed:
        batch_errors.raise_batch_error(checkpoint, "clicks", reported)
    first, *rest = str(failed.value).splitlines()
    assert first == "bronze ingest of clicks failed in batch 7: ValueError: cannot write batch 7 of frame"
    assert any("in _failing_write" in line for line in rest)  # where it was raised
    assert failed.value.__cause__ is reported


def test_a_later_failure_replaces_the_earlier_one_and_clear_forgets_it(tmp_path: Path) -> None:
    checkpoint = f"file://{tmp_path}/cp"
    for batch_id in (1, 2):
        with pytest.raises(ValueError):
            RecordingBatchErrors(checkpoint, _failing_write)("frame", batch_id)
    recorded = batch_errors.read(checkpoint)
    assert recorded is not None and recorded.batch_id == 2

    batch_errors.clear(checkpoint)
    assert batch_errors.read(checkpoint) is None
    batch_errors.raise_batch_error(checkpoint, "clicks", None)  # nothing recorded: no error of its own


def test_a_successful_batch_leaves_nothing(tmp_path: Path) -> None:
    seen: list[int] = []
    RecordingBatchErrors(str(tmp_path / "cp"), lambda _batch, batch_id: seen.append(batch_id))("frame", 3)
    assert seen == [3]
    assert not (tmp_path / "cp.error").exists()


def test_an_object_store_checkpoint_keeps_sparks_own_report() -> None:
    checkpoint = "s3://shop-lakehouse/checkpoints/clicks"
    assert batch_errors.error_path(checkpoint) is None
    with pytest.raises(ValueError):
        RecordingBatchErrors(checkpoint, _failing_write)("frame", 1)  # raises, writes nowhere
    batch_errors.raise_batch_error(checkpoint, "clicks", None)
