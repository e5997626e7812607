"""Session traces (one JSONL record per session under <root>/.remedy/traces) and the fine-tuning
exports built from them."""
from __future__ import annotations

from .record import TRACES_DIR, read_traces, write_session_trace

__all__ = ["TRACES_DIR", "read_traces", "write_session_trace"]
