"""Fixtures for the deploy/ checks: they drive deploy/validate.py as a user would.

validate.py keeps its tools (python-hcl2, PyYAML, hadolint, checkov) in venvs under
.platform/tools/, apart from the project's venv; the session fixture creates them once.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
DEPLOY_DIR = REPO_ROOT / "deploy"
VALIDATE = DEPLOY_DIR / "validate.py"
TERRAFORM_DIR = DEPLOY_DIR / "terraform"
DOCKER_DIR = DEPLOY_DIR / "docker"


@dataclass
class Validation:
    returncode: int
    report: dict[str, Any]
    stderr: str

    def check(self, name: str) -> dict[str, Any]:
        return self.report["checks"][name]

    def codes(self, name: str, severity: str = "error") -> list[str]:
        return [f["code"] for f in self.check(name)["findings"] if f["severity"] == severity]

    def findings(self, name: str, code: str) -> list[dict[str, Any]]:
        return [f for f in self.check(name)["findings"] if f["code"] == code]


def run_validate(*args: str | Path, timeout: int = 900) -> Validation:
    proc = subprocess.run(
        [sys.executable, str(VALIDATE), "--json", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO_ROOT,
    )
    assert proc.returncode in (0, 1), f"validate.py could not run ({proc.returncode}):\n{proc.stderr}"
    return Validation(proc.returncode, json.loads(proc.stdout), proc.stderr)


@pytest.fixture(scope="session")
def deploy_tools() -> None:
    """Create (or reuse) the tool venvs once per session."""
    proc = subprocess.run(
        [sys.executable, str(VALIDATE), "--install-only"], capture_output=True, text=True, timeout=1800, cwd=REPO_ROOT
    )
    assert proc.returncode == 0, proc.stderr


@pytest.fixture
def terraform_copy(tmp_path: Path) -> Path:
    """A scratch copy of deploy/terraform plus the dagster.yaml the checks cross-read."""
    copy = tmp_path / "terraform"
    shutil.copytree(TERRAFORM_DIR, copy, ignore=shutil.ignore_patterns(".terraform*", "*.tfstate*"))
    return copy


@pytest.fixture
def docker_copy(tmp_path: Path) -> Path:
    """A scratch copy of deploy/docker (Dockerfile, compose, dagster.yaml, workspace.yaml)."""
    copy = tmp_path / "docker"
    shutil.copytree(DOCKER_DIR, copy)
    return copy


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    """Replace `old` with `new` in a file, insisting that `old` is there."""
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, count))
