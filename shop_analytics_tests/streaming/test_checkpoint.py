from pathlib import Path

from shop_analytics.streaming.checkpoint import committed_offsets


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
