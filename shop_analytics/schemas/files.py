"""Where the ``.avsc`` files live and how to read them."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

SCHEMA_DIR = Path(__file__).parent / "avro"


def schema_path(file_name: str) -> Path:
    """Path of a schema file such as ``orders_v2.avsc``; raises if the package lacks it."""
    path = SCHEMA_DIR / file_name
    if not path.is_file():
        known = ", ".join(sorted(p.name for p in SCHEMA_DIR.glob("*.avsc")))
        raise FileNotFoundError(f"no Avro schema {file_name!r} in {SCHEMA_DIR}; known: {known}")
    return path


@cache
def load_schema_text(file_name: str) -> str:
    """The schema file's JSON text, as registered in the schema registry."""
    return schema_path(file_name).read_text(encoding="utf-8")


def load_schema(file_name: str) -> dict[str, Any]:
    """The schema as a fresh dict (safe to mutate)."""
    return json.loads(load_schema_text(file_name))
