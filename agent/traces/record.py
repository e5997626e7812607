"""One JSONL trace per session, under `<root>/.remedy/traces/<session>.jsonl` (Remedy's own state
folder). Schema (DESIGN.md, "Traces"): task_id, goal, steps[{action, content, obs, ok}],
code_artifacts, tests{passed, failed, logs}, env, result, candidates — plus samples (each agent
run's message list, for `remedy export sft`), the tools offered to the model (OpenAI function
specs, in the native protocol) and usage with its cost. No API key is ever written:
env names the key's variable, not its value, and every string of the record is redacted
(agent/secrets.py), so a secret a test quoted in its failure message stays out of the trace."""
from __future__ import annotations

import json
import os
import platform
import time
import uuid
from pathlib import Path
from typing import Any

from ..config import Config
from ..diff import unified_diff
from ..llm.catalog import cost_usd
from ..memory.jsonl import read_jsonl
from ..secrets import redact_data
from ..types import FixResult

__all__ = ["TRACES_DIR", "write_session_trace", "read_traces", "build_record", "offered_tools"]

TRACES_DIR = Path(".remedy") / "traces"


def build_record(root: Path, config: Config, engine: Any, result: FixResult) -> dict[str, Any]:
    samples, steps, artifacts = [], [], []
    for s in engine.samples:
        steps += [dict(vars(step), sample=s.index) for step in s.result.steps]
        if s.candidate is not None:
            before = {e.path: (root / e.path).read_text(encoding="utf-8") for e in s.candidate.edits}
            after = {e.path: e.text for e in s.candidate.edits}
            artifacts.append({"id": s.candidate.id, "source": "llm", "patch": unified_diff(before, after)})
        samples.append({"index": s.index, "status": s.result.status, "message": s.result.message,
                        "candidate_id": s.candidate.id if s.candidate else None,
                        "messages": s.messages, "usage": vars(s.result.usage)})
    proposal = result.proposal
    chosen = proposal.candidate.id if proposal and proposal.candidate else None
    candidates = [{"id": a["id"], "source": "llm", "energy": proposal.energy if a["id"] == chosen and proposal else None,
                   "outcome": "proposed" if a["id"] == chosen else "not_proposed"} for a in artifacts]
    usage = engine.usage
    return redact_data({
        "task_id": ",".join(result.failing_tests) or "all",
        "goal": samples[0]["messages"][1]["content"] if samples and len(samples[0]["messages"]) > 1 else "",
        "steps": steps,
        "code_artifacts": artifacts + ([{"id": chosen or "proposal", "source": "proposal",
                                         "patch": result.patch}] if result.patch else []),
        "tests": {"passed": proposal.tests.get("passed", []) if proposal else [],
                  "failed": result.failing_tests if result.status.value != "fixed" else [],
                  "logs": [s["message"] for s in samples]},
        "env": {"model": config.llm.model, "base_url": config.llm.base_url,
                "api_key_env": config.llm.api_key_env, "tool_protocol": config.llm.tool_protocol,
                "python": platform.python_version(), "engine": config.engine},
        "result": dict(result.to_json(), proposal_id=proposal.id if proposal else None),
        "candidates": candidates,
        "samples": samples,
        "tools": offered_tools() if config.llm.tool_protocol == "native" else [],
        "usage": {"prompt_tokens": usage.prompt_tokens, "completion_tokens": usage.completion_tokens,
                  "cost_usd": round(cost_usd(config.llm.model, usage), 6)},
        "time": time.time(),
    })


def offered_tools() -> list[dict[str, Any]]:
    """The agent's tools as OpenAI function specs (what the native protocol offers the model)."""
    from ..agent_loop.protocols import ToolSpec
    from ..agent_loop.tools import default_tools
    return [ToolSpec(t.name, t.description, t.schema).openai() for t in default_tools()]


def write_session_trace(root: Path, config: Config, engine: Any, result: FixResult) -> Path:
    record = build_record(Path(root), config, engine, result)
    path = Path(root) / TRACES_DIR / f"{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")       # never a half record under a .jsonl name
    partial.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(partial, path)
    return path


def read_traces(root: Path) -> list[dict[str, Any]]:
    folder = Path(root) / TRACES_DIR
    records = []
    for path in sorted(folder.glob("*.jsonl")) if folder.is_dir() else []:
        records += read_jsonl(path)
    return records
