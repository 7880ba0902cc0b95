"""The ``simulate`` command."""

from __future__ import annotations

import json

from click.testing import CliRunner

from shop_analytics.simulator.cli import simulate

SMALL = ["--customers", "400", "--products", "80", "--end-date", "2026-11-20", "--dry-run"]


def test_backfill_dry_run_prints_a_summary_by_topic_and_type():
    result = CliRunner().invoke(simulate, ["--days", "1", *SMALL])
    assert result.exit_code == 0, result.output
    assert "shop.clickstream" in result.output and "product_view" in result.output
    assert "delivered" in result.output and "records/s" in result.output


def test_json_summary_is_machine_readable():
    result = CliRunner().invoke(simulate, ["--days", "0.5", "--json", *SMALL])
    data = json.loads(result.output)
    assert data["mode"] == "backfill" and data["produced"] == data["delivered"] > 0


def test_live_mode_runs_for_its_duration_at_its_rate():
    result = CliRunner().invoke(
        simulate, ["--rate", "2000", "--duration", "2s", "--no-reference", "--json", *SMALL[:4], "--dry-run"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["mode"] == "live"
    assert 2_000 <= data["events"] <= 5_000


def test_fault_rates_write_the_manifest(tmp_path):
    manifest = tmp_path / "faults.jsonl"
    result = CliRunner().invoke(
        simulate,
        ["--days", "1", "--invalid-rate", "0.05", "--duplicate-rate", "0.05", "--manifest", str(manifest), *SMALL],
    )
    assert result.exit_code == 0, result.output
    lines = manifest.read_text().splitlines()
    assert lines and {json.loads(line)["fault"] for line in lines} == {"invalid", "duplicate"}


def test_neither_days_nor_rate_is_a_usage_error():
    result = CliRunner().invoke(simulate, SMALL)
    assert result.exit_code == 2
    assert "--days" in result.output


def test_a_run_needs_a_registry_unless_dry():
    result = CliRunner().invoke(simulate, ["--days", "1"], env={"SCHEMA_REGISTRY_URL": ""})
    assert result.exit_code == 2
    assert "registry" in result.output
