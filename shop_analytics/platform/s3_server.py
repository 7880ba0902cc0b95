"""An S3-compatible API server on the loopback interface, for tests and local tries.

It is moto's server mode (``moto[server]``, from the ``aws`` extra): a real HTTP server that
speaks the S3 REST API, keeps objects in memory and accepts any credentials. Spark's
S3FileIO, PyArrow's S3 filesystem and boto3 reach it through an endpoint override with
path-style addressing (``http://127.0.0.1:<port>/<bucket>/<key>``). Like the other services
it runs as a detached process with a PID file and a log under ``run_dir`` and is stopped
by that PID.
"""

from __future__ import annotations

import importlib.util
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from shop_analytics.platform import process
from shop_analytics.platform.errors import PlatformError

SERVICE_NAME = "s3"
# Any values work against the server; real-looking ones keep SDK validation quiet.
ACCESS_KEY_ID = "testing"
SECRET_ACCESS_KEY = "testing"
REGION = "us-east-1"


@dataclass(frozen=True)
class S3Server:
    """Where the server listens and where its PID file and log live."""

    host: str
    port: int
    run_dir: Path
    start_timeout_s: float = 60.0

    @property
    def endpoint(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def files(self) -> process.ServiceFiles:
        return process.ServiceFiles(SERVICE_NAME, self.run_dir)

    def is_running(self) -> bool:
        return process.read_pid(self.files) is not None and self._answers()

    def start(self) -> int:
        """Start the server unless it already runs; return its PID once it answers."""
        pid = process.read_pid(self.files)
        if pid is not None and self._answers():
            return pid
        if importlib.util.find_spec("moto") is None:
            raise PlatformError(
                "moto is not installed: run `pip install -e '.[aws]'` (it brings moto[server])"
            )
        process.ensure_port_free(self.host, self.port, "the S3 server's port")
        pid = process.start_process(
            self.files,
            [sys.executable, "-m", "moto.server", "-H", self.host, "-p", str(self.port)],
            cwd=self.run_dir,
        )
        process.wait_until(self._answers, self.files, pid, self.start_timeout_s, _explain)
        return pid

    def stop(self) -> bool:
        """Stop the server by its PID file; True if one was running."""
        return process.stop_service(self.files)

    def _answers(self) -> bool:
        # moto's own API answers as soon as the server routes requests.
        try:
            with urllib.request.urlopen(f"{self.endpoint}/moto-api/data.json", timeout=2) as response:
                return response.status == 200
        except (urllib.error.URLError, OSError):
            return False


def _explain(log_tail: str) -> str | None:
    if "Address already in use" in log_tail:
        return "its port is taken by another process: choose another port"
    if "No module named" in log_tail:
        return "moto[server] is incomplete: run `pip install -e '.[aws]'`"
    return None
