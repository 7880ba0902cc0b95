"""Start, watch and stop the platform's background processes by PID file."""

from __future__ import annotations

import errno
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from shop_analytics.platform.errors import PlatformError


@dataclass(frozen=True)
class ServiceFiles:
    """Where one service keeps its PID and its log."""

    name: str
    run_dir: Path

    @property
    def pid_file(self) -> Path:
        return self.run_dir / f"{self.name}.pid"

    @property
    def log_file(self) -> Path:
        return self.run_dir / f"{self.name}.log"


def read_pid(files: ServiceFiles) -> int | None:
    """The PID of the service if its process is alive, else None (stale files removed)."""
    try:
        pid = int(files.pid_file.read_text().strip())
    except (OSError, ValueError):
        return None
    if not pid_alive(pid):
        files.pid_file.unlink(missing_ok=True)
        return None
    return pid


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie is dead for our purposes.
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ", 1)[1][:1] != "Z"
    except OSError:
        return True


def start_ticks(pid: int) -> int | None:
    """When ``pid`` started (clock ticks after boot, /proc/<pid>/stat field 22); None where
    unknown. A pid and its start time name one process: the kernel reuses pids."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return int(stat.read().split(") ", 1)[1].split()[19])
    except (OSError, IndexError, ValueError):
        return None


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    """True when something accepts TCP connections on host:port."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def ensure_port_free(host: str, port: int, setting: str) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # SO_REUSEADDR: sockets in TIME_WAIT from a service that just stopped do not count.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise PlatformError(
                    f"port {port} on {host} is taken by another process: stop it or set {setting} to a free port"
                ) from None
            raise PlatformError(f"cannot bind {host}:{port} ({exc.strerror}): check SHOP_HOST") from None


def start_process(files: ServiceFiles, cmd: Sequence[str], cwd: Path, env: dict[str, str] | None = None) -> int:
    """Start ``cmd`` detached from our session, output to the service log; return its PID."""
    files.run_dir.mkdir(parents=True, exist_ok=True)
    with open(files.log_file, "ab") as log:
        proc = subprocess.Popen(
            list(cmd),
            cwd=cwd,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **(env or {})},
            start_new_session=True,
        )
    files.pid_file.write_text(str(proc.pid))
    return proc.pid


def wait_until(
    ready: Callable[[], bool],
    files: ServiceFiles,
    pid: int,
    timeout_s: float,
    explain: Callable[[str], str | None],
) -> None:
    """Poll ``ready`` until it holds; fail early, in one line, if the process dies."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if ready():
            return
        if not pid_alive(pid):
            files.pid_file.unlink(missing_ok=True)
            tail = log_tail(files)
            reason = explain(tail) or f"it exited during start-up; see {files.log_file}"
            raise PlatformError(f"{files.name} did not start: {reason}")
        time.sleep(0.25)
    stop_pid(pid)
    files.pid_file.unlink(missing_ok=True)
    raise PlatformError(
        f"{files.name} did not answer within {timeout_s:.0f} s; see {files.log_file} "
        "(raise SHOP_START_TIMEOUT_S on a slow machine)"
    )


def stop_pid(pid: int, timeout_s: float = 30.0) -> None:
    """SIGTERM the process group, then SIGKILL it if it has not gone within the timeout."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            return
        except PermissionError:
            os.kill(pid, sig)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if not pid_alive(pid):
                _reap(pid)
                return
            time.sleep(0.1)


def stop_service(files: ServiceFiles, timeout_s: float = 30.0) -> bool:
    """Stop the service named by the PID file; True if one was running."""
    pid = read_pid(files)
    if pid is None:
        return False
    stop_pid(pid, timeout_s)
    files.pid_file.unlink(missing_ok=True)
    return True


def log_tail(files: ServiceFiles, max_bytes: int = 20_000) -> str:
    try:
        with open(files.log_file, "rb") as log:
            log.seek(0, os.SEEK_END)
            log.seek(max(0, log.tell() - max_bytes))
            return log.read().decode(errors="replace")
    except OSError:
        return ""


def _reap(pid: int) -> None:
    # Collect the exit status when the process is our own child, so it leaves no zombie.
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass
