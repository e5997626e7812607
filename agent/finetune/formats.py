"""The training-file formats the fine-tuning providers accept, as JSON Schemas (schemas/*.json,
one per provider and method, each naming the documentation it was written from), and the check
of a JSONL training file against them before anything is uploaded.

A line is "sft" (chat: {"messages", "tools"}) or "dpo" (preference: {"input", "preferred_output",
"non_preferred_output"}); `remedy export` writes lines that satisfy both providers' schemas.
"""
from __future__ import annotations

import functools
import json
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
from referencing import Registry, Resource

from ..errors import BadInput

__all__ = ["PROVIDERS", "KINDS", "schema", "validator", "row_kind", "problems", "read_training_file"]

PROVIDERS = ("openai", "together")
KINDS = ("sft", "dpo")


@functools.cache
def _registry() -> Registry:
    folder = resources.files("agent.finetune.schemas")
    return Registry().with_resources(
        (f"{p}_{k}.json", Resource.from_contents(json.loads(folder.joinpath(f"{p}_{k}.json").read_text("utf-8"))))
        for p in PROVIDERS for k in KINDS)


def schema(provider: str, kind: str) -> dict[str, Any]:
    return _registry().contents(f"{provider}_{kind}.json")


def validator(provider: str, kind: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(schema(provider, kind), registry=_registry())


def row_kind(row: Any) -> str | None:
    """"sft" or "dpo" by the line's columns; None when it is neither."""
    if isinstance(row, dict) and "messages" in row:
        return "sft"
    if isinstance(row, dict) and "input" in row:
        return "dpo"
    return None


def problems(row: dict[str, Any], provider: str, kind: str) -> list[str]:
    """Why `row` is not a valid training line for provider/kind (empty when it is): the schema's
    errors, plus the adjacency rules a schema cannot state."""
    found = [f"{'/'.join(map(str, e.absolute_path)) or 'line'}: {e.message[:200]}"
             for e in validator(provider, kind).iter_errors(row)]
    if found:
        return found
    if kind == "sft":
        return _turn_problems(row["messages"], provider, row.get("tools"))
    messages = row["input"]["messages"]
    if messages[-1]["role"] == "assistant":
        return ["input/messages: the last input message must not be the assistant's (the outputs are)"]
    return _turn_problems(messages, provider, row["input"].get("tools"))


def _turn_problems(messages: list[dict[str, Any]], provider: str, tools: list[dict[str, Any]] | None) -> list[str]:
    offered = None if tools is None else {t["function"]["name"] for t in tools}
    pending: list[str] = []
    for i, m in enumerate(messages):
        if m["role"] == "tool":
            if m["tool_call_id"] not in pending:
                return [f"messages/{i}: tool result answers no pending tool call"]
            pending.remove(m["tool_call_id"])
        elif pending:
            return [f"messages/{i}: tool calls {pending} unanswered before a {m['role']} message"]
        for call in m.get("tool_calls") or []:
            try:
                args = json.loads(call["function"]["arguments"] or "{}")
            except json.JSONDecodeError:
                args = None
            if not isinstance(args, dict):
                return [f"messages/{i}: tool call arguments are not a JSON object"]
            if offered is not None and call["function"]["name"] not in offered:
                return [f"messages/{i}: tool call of {call['function']['name']!r}, which tools does not list"]
            pending.append(call["id"])
        if provider == "together" and i and m["role"] != "tool" and messages[i - 1]["role"] == m["role"]:
            return [f"messages/{i}: two {m['role']} messages in a row (Together wants turns to alternate)"]
    return []


def read_training_file(path: Path, provider: str, kind: str | None = None) -> tuple[str, list[dict[str, Any]]]:
    """The file's kind and rows; BadInput naming the first bad line."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"cannot read training file {path}: {getattr(exc, 'strerror', None) or exc}") from None
    rows: list[dict[str, Any]] = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise BadInput(f"{path}:{n}: not JSON ({exc.msg})") from None
        found = row_kind(row)
        kind = kind or found
        if found is None or found != kind:
            raise BadInput(f"{path}:{n}: not a {kind or 'sft or dpo'} training line")
        bad = problems(row, provider, kind)
        if bad:
            raise BadInput(f"{path}:{n}: not a valid {provider} {kind} line: {bad[0]}")
        rows.append(row)
    if not rows:
        raise BadInput(f"{path}: no training lines (run `remedy export` first)")
    return kind or "sft", rows
