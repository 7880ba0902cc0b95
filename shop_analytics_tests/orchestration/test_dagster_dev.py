"""`dagster dev` serves the UI on 127.0.0.1 and its asset graph runs topic → bronze."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from shop_analytics_tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
QUERY = "{ assetNodes { assetKey { path } groupName dependencyKeys { path } } }"


def test_dagster_dev_serves_the_lineage_graph(tmp_path: Path) -> None:
    port = free_port()
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text((ROOT / "dagster.yaml").read_text())
    log = (tmp_path / "dagster-dev.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "dagster", "dev", "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)],
        cwd=ROOT,
        env={**os.environ, "DAGSTER_HOME": str(home)},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        nodes = None
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                reply = requests.post(f"http://127.0.0.1:{port}/graphql", json={"query": QUERY}, timeout=5)
                data = reply.json().get("data") or {}
                if data.get("assetNodes"):
                    nodes = data["assetNodes"]
                    break
            except requests.RequestException:
                pass
            time.sleep(1)
        assert nodes, (tmp_path / "dagster-dev.log").read_text()[-3000:]
        graph = {tuple(n["assetKey"]["path"]): [tuple(d["path"]) for d in n["dependencyKeys"]] for n in nodes}
        assert graph[("bronze", "orders")] == [("kafka", "orders")]
        assert graph[("bronze", "clickstream")] == [("kafka", "clickstream")]
        groups = {n["groupName"] for n in nodes}
        assert {"kafka", "bronze"} <= groups
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()
