"""dbt model timings from ``run_results.json``, the artifact every dbt invocation writes.

dagster-dbt runs each invocation with its own target path under dbt_models/target/ (and a
shell ``dbt build`` writes target/run_results.json), so the newest file anywhere under the
target folder is the latest run.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

RUN_RESULTS = "run_results.json"
COLUMNS = ["model", "resource_type", "status", "execution_time_s", "started_at", "completed_at"]


@dataclass(frozen=True)
class DbtRun:
    path: Path
    generated_at: pd.Timestamp | None
    elapsed_s: float | None
    command: str
    results: pd.DataFrame  # COLUMNS, longest first


def newest_run_results(target_dir: Path) -> Path | None:
    if not target_dir.is_dir():
        return None
    candidates = list(target_dir.rglob(RUN_RESULTS))
    return max(candidates, key=lambda p: p.stat().st_mtime) if candidates else None


def parse_run_results(document: dict[str, Any], path: Path) -> DbtRun:
    """Models, seeds, snapshots and tests of one run with their execution time (seconds)."""
    rows = []
    for result in document.get("results", []):
        unique_id: str = result.get("unique_id", "")
        resource_type, _, rest = unique_id.partition(".")
        execute = next((t for t in result.get("timing", []) if t.get("name") == "execute"), {})
        rows.append(
            {
                "model": rest.split(".", 1)[1] if "." in rest else rest,  # drop the project name
                "resource_type": resource_type,
                "status": result.get("status"),
                "execution_time_s": float(result.get("execution_time") or 0.0),
                "started_at": pd.to_datetime(execute.get("started_at"), utc=True),
                "completed_at": pd.to_datetime(execute.get("completed_at"), utc=True),
            }
        )
    results = pd.DataFrame(rows, columns=COLUMNS)
    results = results.sort_values("execution_time_s", ascending=False).reset_index(drop=True)
    metadata = document.get("metadata", {})
    generated = metadata.get("generated_at")
    args = document.get("args", {})
    return DbtRun(
        path=path,
        generated_at=pd.to_datetime(generated, utc=True) if generated else None,
        elapsed_s=float(document["elapsed_time"]) if document.get("elapsed_time") is not None else None,
        command=str(args.get("which") or args.get("invocation_command") or ""),
        results=results,
    )


def latest_dbt_run(target_dir: Path) -> DbtRun | None:
    path = newest_run_results(target_dir)
    if path is None:
        return None
    return parse_run_results(json.loads(path.read_text()), path)
