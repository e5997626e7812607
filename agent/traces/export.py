"""Fine-tuning data from traces and editor decisions.

- sft: every agent run whose candidate became the proposal of a fixed session, rewritten in the
  JSON tool protocol ({"tool", "args"} assistant messages, results as user messages), so any
  chat model can be trained on it.
- dpo: preference pairs {prompt, chosen, rejected} of patches: a proposal the editor accepted (or
  that nobody rejected) beats the agent patches that did not become the proposal; a proposal the
  editor rejected loses to any other validated patch of that session.
- estimate: token counts and cost for a fine-tune on the sft data or a run of N sessions.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterable

from ..llm.catalog import price_of
from ..memory.decisions import read_decisions
from .record import read_traces

__all__ = ["sft_samples", "dpo_pairs", "estimate_cost", "write_jsonl"]


def sft_samples(traces: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for trace in traces:
        if trace["result"]["status"] != "fixed":
            continue
        proposed = {c["id"] for c in trace.get("candidates", []) if c["outcome"] == "proposed"}
        for sample in trace.get("samples", []):
            if sample["candidate_id"] in proposed:
                out.append({"messages": _as_json_protocol(sample["messages"])})
    return out


def _as_json_protocol(messages: list[dict[str, Any]]) -> list[dict[str, str]]:
    names: dict[str, str] = {}
    converted = []
    for m in messages:
        if m["role"] == "assistant" and m.get("tool_calls"):
            for call in m["tool_calls"]:
                fn = call["function"]
                names[call["id"]] = fn["name"]
                converted.append({"role": "assistant", "content": json.dumps(
                    {"tool": fn["name"], "args": json.loads(fn["arguments"] or "{}")})})
        elif m["role"] == "tool":
            converted.append({"role": "user", "content": f"Result of {names.get(m['tool_call_id'], 'tool')}:\n"
                                                         f"{m['content']}"})
        else:
            converted.append({"role": m["role"], "content": m.get("content") or ""})
    return converted


def dpo_pairs(traces: Iterable[dict[str, Any]], decisions: Iterable[dict[str, Any]]) -> list[dict[str, str]]:
    verdicts: dict[str, bool] = {}
    for d in decisions:
        verdicts[d["proposal_id"]] = verdicts.get(d["proposal_id"], True) and bool(d["accepted"])
    pairs = []
    for trace in traces:
        patches = {a["id"]: a["patch"] for a in trace.get("code_artifacts", [])}
        proposal_id = trace["result"].get("proposal_id")
        proposed = next((a for a in trace.get("code_artifacts", []) if a["source"] == "proposal"), None)
        others = [patches[c["id"]] for c in trace.get("candidates", [])
                  if c["outcome"] != "proposed" and patches.get(c["id"])]
        if proposed is None:
            continue
        if verdicts.get(proposal_id, True):
            pairs += [{"prompt": trace["goal"], "chosen": proposed["patch"], "rejected": o}
                      for o in others if o != proposed["patch"]]
        else:
            pairs += [{"prompt": trace["goal"], "chosen": o, "rejected": proposed["patch"]}
                      for o in others if o != proposed["patch"]]
    return pairs


def estimate_cost(root: Path, model: str, sessions: int = 0, epochs: int = 3,
                  train_price: float | None = None) -> dict[str, Any]:
    traces = read_traces(root)
    prompt = sum(t["usage"]["prompt_tokens"] for t in traces)
    completion = sum(t["usage"]["completion_tokens"] for t in traces)
    n = max(len(traces), 1)
    price = price_of(model) or (0.0, 0.0)
    per_session = (prompt / n * price[0] + completion / n * price[1]) / 1e6
    train_tokens = sum(len(json.dumps(s)) // 4 for s in sft_samples(traces))
    return {"traces": len(traces), "prompt_tokens": prompt, "completion_tokens": completion,
            "model": model, "price_known": price_of(model) is not None,
            "run_cost_usd": round(per_session * sessions, 4), "sessions": sessions,
            "sft_training_tokens": train_tokens * epochs, "epochs": epochs,
            "finetune_cost_usd": round(train_tokens * epochs * (train_price or 0.0) / 1e6, 4)}


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> int:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return len(rows)


def export(root: Path, kind: str, out: Path) -> int:
    traces = read_traces(root)
    rows = sft_samples(traces) if kind == "sft" else dpo_pairs(traces, read_decisions(root))
    return write_jsonl(out, rows)
