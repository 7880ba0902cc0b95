"""A Slack stand-in on 127.0.0.1: an incoming webhook and the Web API's chat.postMessage.

It answers as Slack does: the webhook takes a JSON body with ``text`` and answers ``ok`` (or
400 ``invalid_payload``); chat.postMessage wants ``Authorization: Bearer <token>`` and a
channel, and answers HTTP 200 with ``{"ok": true, ...}`` or ``{"ok": false, "error": ...}``.
Every accepted message is kept for the test to read. ``fail_next`` makes the next calls fail
the way Slack does when it is down (HTTP 500).
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

TOKEN = "xoxb-test-token"
WEBHOOK_PATH = "/services/T0000/B0000/testwebhook"


@dataclass
class Received:
    path: str
    body: dict[str, Any]
    headers: dict[str, str]

    @property
    def text(self) -> str:
        return self.body.get("text", "")

    def block_texts(self) -> str:
        """Every text in the blocks, joined (what a reader sees)."""
        parts: list[str] = []

        def walk(node: Any) -> None:
            if isinstance(node, dict):
                if isinstance(node.get("text"), str):
                    parts.append(node["text"])
                for value in node.values():
                    walk(value)
            elif isinstance(node, list):
                for item in node:
                    walk(item)

        walk(self.body.get("blocks", []))
        return "\n".join(parts)

    def button_urls(self) -> list[str]:
        return [e["url"] for b in self.body.get("blocks", []) if b["type"] == "actions" for e in b["elements"]]


@dataclass
class SlackReceiver:
    server: ThreadingHTTPServer
    messages: list[Received] = field(default_factory=list)
    fail_next: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def webhook_url(self) -> str:
        return self.base_url + WEBHOOK_PATH

    @property
    def api_url(self) -> str:
        return self.base_url + "/api/"

    def texts(self) -> list[str]:
        with self.lock:
            return [m.text for m in self.messages]


def _handler(receiver: SlackReceiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
            pass

        def _answer(self, status: int, body: str, content_type: str = "application/json") -> None:
            payload = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def _body(self) -> dict[str, Any]:
            raw = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
            if self.headers.get("Content-Type", "").startswith("application/json"):
                return json.loads(raw or "{}")
            return {k: v[0] for k, v in parse_qs(raw).items()}

        def do_POST(self) -> None:
            body = self._body()
            with receiver.lock:
                failing = receiver.fail_next > 0
                receiver.fail_next -= int(failing)
            if failing:
                self._answer(500, "internal_error", "text/plain")
                return
            if self.path == WEBHOOK_PATH:
                if not body.get("text") and not body.get("blocks"):
                    self._answer(400, "invalid_payload", "text/plain")
                    return
                self._keep(body)
                self._answer(200, "ok", "text/plain")
            elif self.path == "/api/chat.postMessage":
                if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                    self._answer(200, json.dumps({"ok": False, "error": "invalid_auth"}))
                elif not body.get("channel"):
                    self._answer(200, json.dumps({"ok": False, "error": "channel_not_found"}))
                else:
                    self._keep(body)
                    ts = f"1700000000.{len(receiver.messages):06d}"
                    self._answer(
                        200,
                        json.dumps({"ok": True, "channel": "C0TEST", "ts": ts, "message": {"text": body.get("text")}}),
                    )
            else:
                self._answer(404, "not_found", "text/plain")

        def _keep(self, body: dict[str, Any]) -> None:
            with receiver.lock:
                receiver.messages.append(Received(self.path, body, dict(self.headers)))

    return Handler


def start_receiver() -> SlackReceiver:
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    receiver = SlackReceiver(server=server)
    server.RequestHandlerClass = _handler(receiver)
    threading.Thread(target=server.serve_forever, name="slack-receiver", daemon=True).start()
    return receiver
