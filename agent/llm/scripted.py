"""A scripted model: replays assistant replies from a transcript file, in order. Tests and demos
use it where a real model would be (`--model scripted:/path/to/transcript.json`).

The transcript is a JSON list (or JSONL) of replies, each {"content": str, "tool_calls":
[{"name": str, "arguments": object | str}]}; the requests it received are kept for inspection.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Sequence

from ..errors import BackendError
from .base import ChatReply, ChatRequest, DeltaCallback, ToolCallRequest, Usage

__all__ = ["ScriptedModel", "load_transcript"]


def load_transcript(path: Path | str) -> list[dict[str, Any]]:
    text = Path(path).read_text(encoding="utf-8")
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        data = [json.loads(line) for line in text.splitlines() if line.strip()]
    if not isinstance(data, list):
        raise BackendError(f"transcript {path} must hold a list of replies")
    return data


class ScriptedModel:
    def __init__(self, replies: Sequence[dict[str, Any]], name: str = "scripted") -> None:
        self.name = name
        self.replies = list(replies)
        self.requests: list[ChatRequest] = []

    @classmethod
    def from_file(cls, path: Path | str) -> "ScriptedModel":
        return cls(load_transcript(path), name=f"scripted:{Path(path).name}")

    def complete(self, request: ChatRequest, on_delta: DeltaCallback | None = None) -> ChatReply:
        request = request.redacted()
        if len(self.requests) >= len(self.replies):
            raise BackendError(f"scripted model {self.name}: transcript exhausted "
                               f"after {len(self.replies)} replies")
        reply = self.replies[len(self.requests)]
        self.requests.append(request)
        calls = [ToolCallRequest(c.get("id") or f"call_{len(self.requests)}_{i}", c["name"],
                                 c["arguments"] if isinstance(c["arguments"], str)
                                 else json.dumps(c["arguments"]))
                 for i, c in enumerate(reply.get("tool_calls") or [])]
        content = reply.get("content") or ""
        if content and on_delta is not None:
            on_delta(content)
        return ChatReply(content, calls, Usage(sum(len(str(m.get("content") or "")) for m in
                                                   request.messages) // 4, len(content) // 4))
