"""`remedy fix --engine llm|auto` end to end: the real CLI in a subprocess, talking through the
openai SDK to a loopback chat-completions server that plays a scripted model."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import CALC, remedy_json, run_remedy, write_project
from fakes.openai_server import FakeOpenAI

BUGGY = CALC["calc.py"]
FIXED = "def add(a, b):\n    return a + b\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write_project(tmp_path / "proj", CALC)


STEPS = [("list_files", {"rel_dir": "."}), ("read_file", {"path": "calc.py"}),
         ("edit", {"path": "calc.py", "old_text": "a - b", "new_text": "a + b"}),
         ("run_tests", {}), ("finish", {"summary": "add() now adds", "changes": "calc.py"})]


def script(protocol: str) -> list[dict]:
    if protocol == "json":
        return [{"content": json.dumps({"tool": n, "args": a})} for n, a in STEPS]
    return [{"tool_calls": [{"name": n, "arguments": a}]} for n, a in STEPS]


@pytest.mark.parametrize("protocol", ["native", "json"])
def test_fix_engine_llm_end_to_end(project: Path, protocol: str) -> None:
    with FakeOpenAI(script(protocol)) as server:
        code, out, err = remedy_json("fix", "test_calc.py::test_add", "--root", str(project), "--engine", "llm",
                                     "--base-url", server.base_url, "--model", "fake-model",
                                     "--tool-protocol", protocol, "--api-key-env", "REMEDY_TEST_KEY")
    assert code == 0, err
    assert out["status"] == "fixed" and out["engine"] == "llm", out
    assert "+    return a + b" in out["patch"] and out["files"] == ["calc.py"]
    assert "add() now adds" in out["message"]
    assert (project / "calc.py").read_text() == BUGGY              # no --apply: untouched
    assert server.rejections == []
    traces = list((project / ".remedy" / "traces").glob("*.jsonl"))
    assert len(traces) == 1
    record = json.loads(traces[0].read_text())
    assert record["result"]["status"] == "fixed" and record["usage"]["prompt_tokens"] > 0
    assert [s["action"] for s in record["steps"]] == [n for n, _ in STEPS]


def test_fix_engine_llm_apply(project: Path) -> None:
    with FakeOpenAI(script("native")) as server:
        code, out, _ = remedy_json("fix", "--root", str(project), "--engine", "llm", "--apply",
                                   "--base-url", server.base_url, "--model", "fake-model")
    assert code == 0 and out["status"] == "fixed"
    assert (project / "calc.py").read_text() == FIXED


def test_engine_llm_with_endpoint_down_is_a_clear_error(project: Path) -> None:
    code, out, err = remedy_json("fix", "--root", str(project), "--engine", "llm",
                                 "--base-url", "http://127.0.0.1:9/v1", "--model", "m")
    assert out["status"] == "error" and "cannot reach LLM endpoint" in out["message"]
    assert code != 0


def test_engine_auto_falls_back_to_builtin_when_endpoint_is_down(project: Path) -> None:
    code, out, err = remedy_json("fix", "--root", str(project), "--engine", "auto",
                                 "--base-url", "http://127.0.0.1:9/v1", "--model", "m")
    assert code == 0 and out["status"] == "fixed" and out["engine"] == "auto", out
    assert "used the built-in engine" in out["message"]


def test_export_sft_and_cost_from_a_trace(project: Path, tmp_path: Path) -> None:
    with FakeOpenAI(script("native")) as server:
        remedy_json("fix", "--root", str(project), "--engine", "llm", "--base-url", server.base_url,
                    "--model", "gpt-4o-mini")
    out = tmp_path / "sft.jsonl"
    assert run_remedy("export", "sft", "--root", str(project), "--out", str(out)).returncode == 0
    rows = [json.loads(ln) for ln in out.read_text().splitlines()]
    assert len(rows) == 1
    calls = [c["function"] for m in rows[0]["messages"] if m["role"] == "assistant" for c in m["tool_calls"]]
    assert calls[0] == {"name": "list_files", "arguments": json.dumps({"rel_dir": "."})}
    cost = run_remedy("cost", "--root", str(project), "--model", "gpt-4o-mini", "--sessions", "100")
    estimate = json.loads(cost.stdout)
    assert estimate["traces"] == 1 and estimate["price_known"] and estimate["run_cost_usd"] > 0
