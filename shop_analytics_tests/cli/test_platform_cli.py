"""`shop-analytics platform ...` as a user runs it: real processes, one-line errors."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from shop_analytics.platform.settings import PlatformSettings
from shop_analytics_tests.conftest import make_settings, settings_environ

CLI = [sys.executable, "-c", "from shop_analytics.cli import main; main()"]


def _run(args: list[str], env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, *args], env={**os.environ, **env}, capture_output=True, text=True, timeout=timeout)


def _error_line(result: subprocess.CompletedProcess) -> str:
    """The error: one line, the last on stderr (progress lines above it are logs), no traceback."""
    lines = result.stderr.strip().splitlines()
    assert [line for line in lines if line.startswith("error:")] == lines[-1:]
    assert "Traceback" not in result.stderr
    return lines[-1]


def _platform_pids(state_dir: Path) -> list[int]:
    """PIDs of any process whose command line mentions this state folder."""
    pids = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if str(state_dir) in cmdline and "java" in cmdline.split(" ", 1)[0]:
            pids.append(int(proc.name))
    return pids


def test_up_status_second_up_and_down_leave_no_process(tmp_path: Path, platform_settings: PlatformSettings) -> None:
    settings = make_settings(tmp_path / "state")
    env = settings_environ(settings)
    try:
        up = _run(["platform", "up"], env)
        assert up.returncode == 0, up.stderr
        assert "kafka" in up.stdout and "registry" in up.stdout and "spark-connect" in up.stdout
        assert up.stdout.count("healthy") == 3
        assert len(_platform_pids(settings.state_dir)) == 3

        again = _run(["platform", "up"], env)
        assert again.returncode == 0
        assert "already running" in again.stderr

        status = _run(["platform", "status"], env)
        assert f"127.0.0.1:{settings.kafka_port}" in status.stdout
        assert status.stdout.count("healthy") == 3
    finally:
        down = _run(["platform", "down"], env)
    assert down.returncode == 0
    assert "stopped: spark-connect, registry, kafka" in down.stdout
    assert _platform_pids(settings.state_dir) == []
    status = _run(["platform", "status"], env)
    assert status.stdout.count("stopped") == 3


@pytest.mark.parametrize(
    ("extra_env", "expected"),
    [
        ({"SHOP_JAVA": "/nonexistent/java"}, "Java ('/nonexistent/java') was not found"),
        ({"SHOP_KAFKA_PORT": "not-a-port"}, "SHOP_KAFKA_PORT='not-a-port' is not a whole number"),
    ],
)
def test_bad_settings_are_one_line_errors(tmp_path: Path, extra_env: dict[str, str], expected: str) -> None:
    env = {**settings_environ(make_settings(tmp_path / "state")), **extra_env}
    result = _run(["platform", "up"], env)
    assert result.returncode == 2
    assert _error_line(result).startswith(f"error: {expected}")
    assert "Traceback" not in result.stderr and "Exception" not in result.stderr


def test_a_taken_port_is_a_one_line_error(tmp_path: Path, kafka_bootstrap: str) -> None:
    taken = int(kafka_bootstrap.rsplit(":", 1)[1])
    env = {**settings_environ(make_settings(tmp_path / "state")), "SHOP_KAFKA_PORT": str(taken)}
    result = _run(["platform", "up"], env)
    assert result.returncode == 2
    assert _error_line(result) == (
        f"error: port {taken} on 127.0.0.1 is taken by another process: stop it or set SHOP_KAFKA_PORT to a free port"
    )


def test_an_unwritable_jar_cache_is_a_one_line_error(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    env = {**settings_environ(make_settings(tmp_path / "state")), "SHOP_CACHE_DIR": str(blocker)}
    result = _run(["platform", "jars"], env)
    assert result.returncode == 2
    assert _error_line(result).startswith(f"error: the jar cache {blocker}/jars is not writable")
