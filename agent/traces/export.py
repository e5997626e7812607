"""Fine-tuning data from traces and editor decisions, in the chat formats the OpenAI and Together
fine-tuning APIs accept (their schemas: agent/finetune/schemas/; tests validate against them).

- sft: every agent run whose candidate became the proposal of a fixed session, one line
  {"messages", "tools"} with the messages as the run had them: in the native protocol assistant
  `tool_calls` answered by `tool` messages and the offered tools beside them; in the json protocol
  plain role/content turns (the calls are the assistant's JSON content, the tools listed in the
  system prompt). Consecutive system notes are merged into one turn (Together wants turns to
  alternate).
- dpo: preference lines {"input": {"messages"}, "preferred_output", "non_preferred_output"}: the
  prompt is the session's goal, each output one assistant message holding a patch. A proposal
  the editor accepted (or that nobody rejected) beats the agent patches that did not become the
  proposal; a proposal the editor rejected loses to every other patch of that session.
- estimate: token counts and cost for a fine-tune on the sft data or a run of N sessions.
"""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any, Iterable

from ..llm.catalog import price_of, prompt, training_price_of
from ..memory.decisions import read_decisions
from .record import offered_tools, read_traces

__all__ = ["sft_samples", "dpo_pairs", "chat_messages", "training_tokens", "estimate_cost", "write_jsonl",
           "rows_for", "export"]


def sft_samples(traces: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for trace in traces:
        if trace["result"]["status"] != "fixed":
            continue
        proposed = {c["id"] for c in trace.get("candidates", []) if c["outcome"] == "proposed"}
        for sample in trace.get("samples", []):
            if sample["candidate_id"] not in proposed:
                continue
            messages = chat_messages(sample["messages"])
            row: dict[str, Any] = {"messages": messages}
            if any(m.get("tool_calls") for m in messages):
                row["tools"] = trace.get("tools") or offered_tools()   # traces before tools were kept
            out.append(row)
    return out


def chat_messages(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The run's messages with only the fields the fine-tuning formats allow."""
    out: list[dict[str, Any]] = []
    for m in messages:
        role, content = m["role"], m.get("content") or ""
        if role == "assistant" and m.get("tool_calls"):
            msg: dict[str, Any] = {"role": "assistant", "tool_calls": [
                {"id": c["id"], "type": "function",
                 "function": {"name": c["function"]["name"], "arguments": c["function"]["arguments"] or "{}"}}
                for c in m["tool_calls"]]}
            if content:
                msg["content"] = content
        elif role == "tool":
            msg = {"role": "tool", "tool_call_id": m["tool_call_id"], "content": content}
        elif role in ("system", "user") and out and out[-1]["role"] == role:
            out[-1]["content"] += "\n\n" + content
            continue
        else:
            msg = {"role": role, "content": content}
        out.append(msg)
    return out


def dpo_pairs(traces: Iterable[dict[str, Any]], decisions: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    verdicts: dict[str, bool] = {}
    for d in decisions:
        verdicts[d["proposal_id"]] = verdicts.get(d["proposal_id"], True) and bool(d["accepted"])
    pairs = []
    for trace in traces:
        artifacts = trace.get("code_artifacts", [])
        proposed = next((a for a in artifacts if a["source"] == "proposal"), None)
        if proposed is None:
            continue
        patches = {a["id"]: a["patch"] for a in artifacts if a["source"] != "proposal"}
        others = list(dict.fromkeys(patches[c["id"]] for c in trace.get("candidates", [])
                                    if c["outcome"] != "proposed" and patches.get(c["id"])))
        others = [o for o in others if o != proposed["patch"]]
        accepted = verdicts.get(trace["result"].get("proposal_id"), True)
        for other in others:
            chosen, rejected = (proposed["patch"], other) if accepted else (other, proposed["patch"])
            pairs.append(_preference(trace["goal"], chosen, rejected))
    return pairs


def _preference(goal: str, chosen: str, rejected: str) -> dict[str, Any]:
    return {"input": {"messages": [{"role": "system", "content": prompt("patch_preference").strip()},
                                   {"role": "user", "content": goal}]},
            "preferred_output": [{"role": "assistant", "content": chosen}],
            "non_preferred_output": [{"role": "assistant", "content": rejected}]}


def training_tokens(rows: Iterable[dict[str, Any]]) -> int:
    """Tokens one epoch over these training lines bills, at about four characters a token."""
    return sum(len(json.dumps(r, ensure_ascii=False)) // 4 for r in rows)


def estimate_cost(root: Path, model: str, sessions: int = 0, epochs: int = 3,
                  train_price: float | None = None) -> dict[str, Any]:
    traces = read_traces(root)
    prompt_tokens = sum(t["usage"]["prompt_tokens"] for t in traces)
    completion = sum(t["usage"]["completion_tokens"] for t in traces)
    n = max(len(traces), 1)
    price = price_of(model) or (0.0, 0.0)
    per_session = (prompt_tokens / n * price[0] + completion / n * price[1]) / 1e6
    train_tokens = training_tokens(sft_samples(traces))
    if train_price is None:
        train_price = training_price_of(model)
    return {"traces": len(traces), "prompt_tokens": prompt_tokens, "completion_tokens": completion,
            "model": model, "price_known": price_of(model) is not None,
            "run_cost_usd": round(per_session * sessions, 4), "sessions": sessions,
            "sft_training_tokens": train_tokens * epochs, "epochs": epochs,
            "train_price_known": train_price is not None,
            "finetune_cost_usd": round(train_tokens * epochs * (train_price or 0.0) / 1e6, 4)}


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> int:
    """Write the lines whole or not at all: a temp file beside `path`, then a rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return len(rows)


def rows_for(root: Path, kind: str) -> list[dict[str, Any]]:
    traces = read_traces(root)
    return sft_samples(traces) if kind == "sft" else dpo_pairs(traces, read_decisions(root))


def export(root: Path, kind: str, out: Path) -> int:
    return write_jsonl(out, rows_for(root, kind))
