"""`remedy export sft|dpo` writes lines the OpenAI and Together fine-tuning APIs accept: traces come
from real `remedy fix --engine llm` runs (a subprocess, talking to the loopback chat-completions
fake), decisions from agent.memory.decisions, and every exported line is validated against the
providers' documented formats (agent/finetune/schemas/*.json) with jsonschema."""
from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from agent.finetune.formats import PROVIDERS, problems, schema, validator
from agent.memory.decisions import record_decision
from agent.types import Hunk
from conftest import CALC, remedy_json, run_remedy, write_project
from fakes.openai_server import FakeOpenAI, order_problem

BUGGY = CALC["calc.py"]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write_project(tmp_path / "proj", CALC)


def run_steps(new_text: str) -> list:
    """One agent run that replaces the buggy expression with `new_text`."""
    return [("list_files", {"rel_dir": "."}), ("read_file", {"path": "calc.py"}),
            ("edit", {"path": "calc.py", "old_text": "a - b", "new_text": new_text}),
            ("run_tests", {}), ("finish", {"summary": f"add() returns {new_text}", "changes": "calc.py"})]


def script(protocol: str, *runs: list) -> list[dict]:
    steps = [s for run in runs for s in run]
    if protocol == "json":
        return [{"content": json.dumps({"tool": n, "args": a})} for n, a in steps]
    return [{"tool_calls": [{"name": n, "arguments": a}]} for n, a in steps]


def fix(project: Path, protocol: str, *runs: list) -> dict:
    with FakeOpenAI(script(protocol, *runs)) as server:
        code, out, err = remedy_json("fix", "--root", str(project), "--engine", "llm", "--base-url", server.base_url,
                                     "--model", "gpt-4o-mini", "--tool-protocol", protocol)
    assert code == 0 and out["status"] == "fixed", (out, err)
    return out


def export(project: Path, kind: str, out: Path) -> list[dict]:
    proc = run_remedy("export", kind, "--root", str(project), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


def assert_valid_everywhere(rows: list[dict], kind: str) -> None:
    assert rows
    for row in rows:
        for provider in PROVIDERS:
            validator(provider, kind).validate(row)        # raises with the exact schema error
            assert problems(row, provider, kind) == [], provider


def test_the_schemas_are_valid_json_schemas() -> None:
    for provider in PROVIDERS:
        for kind in ("sft", "dpo"):
            jsonschema.Draft202012Validator.check_schema(schema(provider, kind))


@pytest.mark.parametrize("protocol", ["native", "json"])
def test_sft_export_is_accepted_by_openai_and_together(project: Path, tmp_path: Path, protocol: str) -> None:
    fix(project, protocol, run_steps("a + b"))
    rows = export(project, "sft", tmp_path / "sft.jsonl")
    assert len(rows) == 1
    assert_valid_everywhere(rows, "sft")
    messages = rows[0]["messages"]
    assert [m["role"] for m in messages[:2]] == ["system", "user"]
    if protocol == "native":
        calls = [c for m in messages for c in m.get("tool_calls", [])]
        assert [c["function"]["name"] for c in calls] == [n for n, _ in run_steps("a + b")]
        assert json.loads(calls[2]["function"]["arguments"])["new_text"] == "a + b"
        assert order_problem(messages) == ""              # every call answered by its tool message
        offered = {t["function"]["name"] for t in rows[0]["tools"]}
        assert {c["function"]["name"] for c in calls} <= offered
    else:
        assert "tools" not in rows[0] and all("tool_calls" not in m for m in messages)
        first = json.loads(next(m["content"] for m in messages if m["role"] == "assistant"))
        assert first == {"tool": "list_files", "args": {"rel_dir": "."}}


def test_dpo_export_pairs_the_proposal_with_the_losing_patch_and_follows_decisions(project: Path,
                                                                                    tmp_path: Path) -> None:
    # the first run's patch passes test_add but breaks test_zero, so validation rejects it and the
    # session samples again; the second run's patch becomes the proposal
    out = fix(project, "native", run_steps("5"), run_steps("a + b"))
    assert "+    return a + b" in out["patch"]
    rows = export(project, "dpo", tmp_path / "dpo.jsonl")
    assert_valid_everywhere(rows, "dpo")
    assert len(rows) == 1
    row = rows[0]
    assert [m["role"] for m in row["input"]["messages"]] == ["system", "user"]
    assert "test_add" in row["input"]["messages"][1]["content"]
    assert "+    return a + b" in row["preferred_output"][0]["content"]
    assert "+    return 5" in row["non_preferred_output"][0]["content"]

    trace = json.loads(next((project / ".remedy" / "traces").glob("*.jsonl")).read_text())
    proposal_id = trace["result"]["proposal_id"]
    hunk = Hunk("h1", "calc.py", 1, 2, "    return a - b\n", "    return a + b\n")
    record_decision(project, proposal_id, hunk, accepted=False, candidate=None)
    flipped = export(project, "dpo", tmp_path / "dpo-after-reject.jsonl")
    assert_valid_everywhere(flipped, "dpo")
    assert flipped[0]["preferred_output"] == row["non_preferred_output"]
    assert flipped[0]["non_preferred_output"] == row["preferred_output"]


def test_dpo_export_of_a_session_with_one_patch_is_empty(project: Path, tmp_path: Path) -> None:
    fix(project, "native", run_steps("a + b"))
    assert export(project, "dpo", tmp_path / "dpo.jsonl") == []


BAD_LINES = {
    "trl-style pair": ("dpo", {"prompt": "p", "chosen": "a", "rejected": "b"}),
    "two preferred outputs": ("dpo", {"input": {"messages": [{"role": "user", "content": "p"}]},
                                      "preferred_output": [{"role": "assistant", "content": "a"}] * 2,
                                      "non_preferred_output": [{"role": "assistant", "content": "b"}]}),
    "user as output": ("dpo", {"input": {"messages": [{"role": "user", "content": "p"}]},
                               "preferred_output": [{"role": "user", "content": "a"}],
                               "non_preferred_output": [{"role": "assistant", "content": "b"}]}),
    "tool result without id": ("sft", {"messages": [{"role": "user", "content": "u"},
                                                    {"role": "assistant", "content": "a"},
                                                    {"role": "tool", "content": "r"}]}),
    "assistant with neither": ("sft", {"messages": [{"role": "user", "content": "u"}, {"role": "assistant"}]}),
    "no assistant turn": ("sft", {"messages": [{"role": "user", "content": "u"}]}),
    "unknown role": ("sft", {"messages": [{"role": "robot", "content": "u"}, {"role": "assistant", "content": "a"}]}),
    "call of another type": ("sft", {"messages": [{"role": "user", "content": "u"}, {"role": "assistant", "tool_calls": [
        {"id": "c1", "type": "code", "function": {"name": "f", "arguments": "{}"}}]}]}),
}


@pytest.mark.parametrize("name", sorted(BAD_LINES))
def test_the_schemas_refuse_what_the_providers_refuse(name: str) -> None:
    kind, row = BAD_LINES[name]
    for provider in PROVIDERS:
        with pytest.raises(jsonschema.ValidationError):
            validator(provider, kind).validate(row)


def test_together_refuses_extra_columns_and_repeated_roles() -> None:
    base = {"messages": [{"role": "user", "content": "u"}, {"role": "assistant", "content": "a"}]}
    with pytest.raises(jsonschema.ValidationError):
        validator("together", "sft").validate(dict(base, parallel_tool_calls=False))
    validator("openai", "sft").validate(dict(base, parallel_tool_calls=False))
    repeated = {"messages": [{"role": "user", "content": "u"}, {"role": "user", "content": "v"},
                             {"role": "assistant", "content": "a"}]}
    assert problems(repeated, "together", "sft") and not problems(repeated, "openai", "sft")


def test_export_bad_input_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    for args, words in [(("--root", str(tmp_path / "none"), "--out", str(tmp_path / "o.jsonl")), "no such project root"),
                        (("--root", str(tmp_path), "--out", str(tmp_path / "file" / "o.jsonl")), "cannot write")]:
        proc = run_remedy("export", "sft", *args)
        assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1 and words in proc.stderr


def test_the_checks_beside_the_schemas() -> None:
    tool = {"type": "function", "function": {"name": "read_file", "parameters": {"type": "object"}}}

    def call(name: str, arguments: str) -> dict:
        return {"messages": [{"role": "user", "content": "u"}, {"role": "assistant", "tool_calls": [
            {"id": "c1", "type": "function", "function": {"name": name, "arguments": arguments}}]},
            {"role": "tool", "tool_call_id": "c1", "content": "r"}], "tools": [tool]}

    for provider in PROVIDERS:
        assert problems(call("read_file", '{"path": "a.py"}'), provider, "sft") == []
        assert "not a JSON object" in problems(call("read_file", "[1]"), provider, "sft")[0]
        assert "which tools does not list" in problems(call("write_file", "{}"), provider, "sft")[0]
        ends_with_assistant = {"input": {"messages": [{"role": "user", "content": "u"},
                                                      {"role": "assistant", "content": "a"}]},
                               "preferred_output": [{"role": "assistant", "content": "a"}],
                               "non_preferred_output": [{"role": "assistant", "content": "b"}]}
        assert "last input message" in problems(ends_with_assistant, provider, "dpo")[0]
