"""A real headless Chromium driven over the DevTools protocol, for the end-to-end test.

Streamlit renders in the browser over a websocket after the page loads, so a one-shot
``chromium --dump-dom`` sees the empty shell. Instead the test opens the page, polls the
rendered text until the expected numbers are there (or a deadline passes), and takes a
screenshot. The protocol client is Streamlit's own dependency ``websockets``; Chromium is
Debian's package. Everything listens on 127.0.0.1, and Chromium's background networking
(updates, metrics, safe browsing) is off, so nothing leaves the machine.
"""

from __future__ import annotations

import base64
import itertools
import json
import shutil
import subprocess
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from websockets.sync.client import ClientConnection, connect

CANDIDATES = ("chromium", "chromium-browser")
INSTALL_HINT = "apt-get install -y chromium (Debian's package; `make install-chromium` runs it)"


def find_chromium() -> str | None:
    for name in CANDIDATES:
        path = shutil.which(name)
        if path:
            return path
    return None


class Chromium:
    """One headless browser with one tab; ``close()`` stops it by PID."""

    def __init__(self, executable: str, profile_dir: Path, width: int = 1440, height: int = 2400) -> None:
        self.profile_dir = profile_dir
        self.width = width
        self.process = subprocess.Popen(
            [
                executable,
                "--headless",
                "--no-sandbox",  # tests run as root in CI containers, where the sandbox cannot start
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-extensions",
                "--no-first-run",
                "--no-default-browser-check",
                "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=0",  # Chromium picks a free port and writes it down
                f"--user-data-dir={profile_dir}",
                f"--window-size={width},{height}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self._ids = itertools.count(1)
        self._ws: ClientConnection | None = None
        try:
            self._ws = connect(self._page_websocket(), max_size=None, open_timeout=20)
        except BaseException:
            self.close()
            raise

    def _page_websocket(self, timeout_s: float = 20.0) -> str:
        port_file = self.profile_dir / "DevToolsActivePort"
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"chromium exited with {self.process.returncode} before it was ready")
            if port_file.exists() and port_file.read_text().strip():
                port = int(port_file.read_text().splitlines()[0])
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=5) as response:
                    targets = json.load(response)
                pages = [t for t in targets if t.get("type") == "page"]
                if pages:
                    return pages[0]["webSocketDebuggerUrl"]
            time.sleep(0.2)
        raise RuntimeError(f"chromium did not open its DevTools port within {timeout_s:.0f} s")

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        assert self._ws is not None
        message_id = next(self._ids)
        self._ws.send(json.dumps({"id": message_id, "method": method, "params": params}))
        while True:
            message = json.loads(self._ws.recv(timeout=60))
            if message.get("id") == message_id:  # events (no id) are not needed here
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def open(self, url: str) -> None:
        self.call("Page.navigate", url=url)

    def text(self) -> str:
        return str(self.evaluate("document.body ? document.body.innerText : ''") or "")

    def count(self, selector: str) -> int:
        """How many elements match the CSS ``selector`` on the page."""
        return int(self.evaluate(f"document.querySelectorAll({json.dumps(selector)}).length") or 0)

    def wait_for_text(self, ready: Callable[[str], bool], timeout_s: float = 60.0) -> str:
        """The page's rendered text once ``ready(text)`` holds; the last text in the error otherwise."""
        deadline = time.monotonic() + timeout_s
        text = ""
        while time.monotonic() < deadline:
            text = self.text()
            if ready(text):
                return text
            time.sleep(0.5)
        raise AssertionError(
            f"the page did not show what was expected within {timeout_s:.0f} s; it shows:\n{text[:3000]}"
        )

    def evaluate(self, expression: str) -> Any:
        return self.call("Runtime.evaluate", expression=expression, returnByValue=True).get("result", {}).get("value")

    def screenshot(self, path: Path, settle_s: float = 1.5) -> Path:
        """The whole page as PNG: the viewport is made as tall as the app's scrolling content."""
        height = self.evaluate(
            "Math.max(document.body.scrollHeight, "
            "...Array.from(document.querySelectorAll('[data-testid=\"stMain\"]')).map(e => e.scrollHeight))"
        )
        self.call(
            "Emulation.setDeviceMetricsOverride",
            width=self.width,
            height=int(height or 2400),
            deviceScaleFactor=1,
            mobile=False,
        )
        time.sleep(settle_s)  # charts redraw at the new size
        data = self.call("Page.captureScreenshot", format="png")["data"]
        path.write_bytes(base64.b64decode(data))
        return path

    def close(self) -> None:
        if self._ws is not None:
            try:
                self._ws.close()
            except Exception:  # the browser may already be gone; stopping it is what matters
                pass
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
