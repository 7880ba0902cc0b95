from pathlib import Path

from shop_analytics.streaming.bronze import lease_path
from shop_analytics.streaming.checkpoint import committed_offsets, local_folder, next_batch_may_replay


def _write_batch(root: Path, batch: int, offsets_line: str, committed: bool) -> None:
    (root / "offsets").mkdir(parents=True, exist_ok=True)
    (root / "commits").mkdir(parents=True, exist_ok=True)
    (root / "offsets" / str(batch)).write_text(f'v1\n{{"batchWatermarkMs":0}}\n{offsets_line}\n')
    if committed:
        (root / "commits" / str(batch)).write_text('v1\n{"nextBatchWatermarkMs":0}\n')


def test_no_checkpoint_means_nothing_committed(tmp_path: Path) -> None:
    assert committed_offsets(tmp_path / "missing", "t") == {}


def test_latest_committed_batch_wins_and_uncommitted_is_ignored(tmp_path: Path) -> None:
    _write_batch(tmp_path, 0, '{"t":{"0":5,"1":3}}', committed=True)
    _write_batch(tmp_path, 1, '{"t":{"0":9,"1":4}}', committed=True)
    # Planned but not committed: the sink may not have these records.
    _write_batch(tmp_path, 2, '{"t":{"0":20,"1":8}}', committed=False)
    assert committed_offsets(tmp_path, "t") == {0: 9, 1: 4}
    assert committed_offsets(f"file://{tmp_path}", "t") == {0: 9, 1: 4}
    assert committed_offsets(tmp_path, "other") == {}


def test_only_a_planned_uncommitted_batch_may_replay(tmp_path: Path) -> None:
    assert not next_batch_may_replay(tmp_path / "missing")  # a new stream: nothing ran yet
    _write_batch(tmp_path, 0, '{"t":{"0":5}}', committed=True)
    _write_batch(tmp_path, 1, '{"t":{"0":9}}', committed=True)
    assert not next_batch_may_replay(tmp_path)
    assert not next_batch_may_replay(f"file://{tmp_path}")
    _write_batch(tmp_path, 2, '{"t":{"0":20}}', committed=False)  # a run died inside batch 2
    assert next_batch_may_replay(tmp_path)
    assert next_batch_may_replay(f"file:{tmp_path}")
    # Planned before any commit (the first batch of a stream died).
    first = tmp_path / "first"
    _write_batch(first, 0, '{"t":{"0":5}}', committed=False)
    assert next_batch_may_replay(first)
    # An object store is not listed here: the caller must look the batch up.
    assert next_batch_may_replay("s3://bucket/checkpoints/t")


def test_local_folder_reads_paths_and_file_uris_only(tmp_path: Path) -> None:
    for spelled in (tmp_path, str(tmp_path), f"file://{tmp_path}", f"file:{tmp_path}"):
        assert local_folder(spelled) == tmp_path
    assert local_folder("s3://bucket/checkpoints/t") is None
    assert committed_offsets("s3://bucket/checkpoints/t", "t") == {}  # not listable from here
    # The lease sits beside the checkpoint folder, however the folder is spelled.
    assert lease_path(f"file://{tmp_path}/cp/") == tmp_path / "cp.lease"
    assert lease_path(str(tmp_path / "cp")) == tmp_path / "cp.lease"
    assert lease_path("s3://bucket/checkpoints/t") is None
