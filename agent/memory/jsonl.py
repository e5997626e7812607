"""Remedy's local stores (decisions, feedback, traces) are JSON Lines files under `.remedy/`:
appended one whole line at a time, read back skipping a torn last line."""
from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

__all__ = ["append_jsonl", "read_jsonl"]

_lock = threading.Lock()


def append_jsonl(path: Path, record: dict[str, Any]) -> Path:
    line = json.dumps(record, ensure_ascii=False) + "\n"
    with _lock:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as f:
            f.write(line)
    return path


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    records = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return records
