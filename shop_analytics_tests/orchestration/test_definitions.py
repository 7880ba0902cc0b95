"""The code location loads exactly as `dagster dev` loads it, with every resource bound."""

import os
import subprocess
import sys
from pathlib import Path

from dagster import AssetKey, Definitions

from shop_analytics.definitions import defs

ROOT = Path(__file__).resolve().parents[2]


def test_dagster_cli_validates_the_workspace(tmp_path: Path) -> None:
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text((ROOT / "dagster.yaml").read_text())
    result = subprocess.run(
        [sys.executable, "-m", "dagster", "definitions", "validate", "-w", "workspace.yaml"],
        cwd=ROOT,
        env={**os.environ, "DAGSTER_HOME": str(home)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Validation successful" in result.stdout + result.stderr


def test_every_asset_check_sensor_and_schedule_resolves_with_its_resources() -> None:
    Definitions.validate_loadable(defs)
    repo = defs.get_repository_def()
    graph = defs.resolve_asset_graph()
    assert AssetKey(["kafka", "orders"]) in graph.get_all_asset_keys()
    for job in repo.get_all_jobs():
        assert job.name  # building each job binds every resource its assets require
    for sensor in repo.sensor_defs:
        assert sensor.required_resource_keys <= set(repo.get_top_level_resources())
    for schedule in repo.schedule_defs:
        assert schedule.required_resource_keys <= set(repo.get_top_level_resources())


def test_lineage_runs_from_each_topic_to_its_bronze_table() -> None:
    graph = defs.resolve_asset_graph()
    bronze = [key for key in graph.get_all_asset_keys() if key.path[0] == "bronze"]
    assert bronze
    for key in bronze:
        assert graph.get(key).parent_keys == {AssetKey(["kafka", key.path[1]])}
