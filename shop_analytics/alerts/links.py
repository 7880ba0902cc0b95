"""Links into the Dagster UI (base URL configurable, the local webserver by default)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import quote, urlencode

DEFAULT_UI_URL = "http://127.0.0.1:3000"


@dataclass(frozen=True)
class DagsterUiLinks:
    base_url: str = DEFAULT_UI_URL

    def _url(self, path: str) -> str:
        return f"{self.base_url.rstrip('/')}/{path.lstrip('/')}"

    def run(self, run_id: str) -> str:
        return self._url(f"runs/{run_id}")

    def asset(self, path: Sequence[str]) -> str:
        return self._url("assets/" + "/".join(quote(part, safe="") for part in path))

    def asset_check(self, path: Sequence[str], check_name: str) -> str:
        """The asset's checks tab with ``check_name`` open (the UI's own link format)."""
        return self.asset(path) + "?" + urlencode({"view": "checks", "checkDetail": check_name})

    def runs(self) -> str:
        return self._url("runs")

    def assets(self) -> str:
        return self._url("assets")
