"""The agent loop against the real openai SDK and a real loopback chat-completions server playing
scripted models: full fixes in both protocols, recovery from bad replies, the message-order rule,
the invariants, reflection, planner cadence, the step cap and the fallback."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from agent.errors import BackendError
from agent.events import PlanUpdated, Thought, ToolCall, ToolResult
from agent.llm.openai_compat import OpenAICompatModel
from agent.agent_loop.loop import AgentLoop, LoopSettings
from agent.sandbox.tool_gate import Policy
from agent.sandbox.workspace import Sandbox
from agent.testing.runner import PytestRunner
from agent.agent_loop.tools import ToolContext, default_tools
from fakes.openai_server import FakeOpenAI, order_problem

BUGGY = "def add(a, b):\n    return a - b\n"
FIXED_FN = "def add(a, b):\n    return a + b\n"
TARGET = "test_calc.py::test_add"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    root.mkdir()
    (root / "calc.py").write_text(BUGGY)
    (root / "test_calc.py").write_text("from calc import add\n\ndef test_add():\n    assert add(2, 3) == 5\n")
    return root


def call(name: str, **args) -> dict:
    return {"tool_calls": [{"name": name, "arguments": args}]}


def js(name: str, **args) -> dict:
    return {"content": json.dumps({"tool": name, "args": args})}


FIX_STEPS = [("list_files", {"rel_dir": "."}), ("read_file", {"path": "calc.py"}),
             ("edit", {"path": "calc.py", "symbol": "add", "new_text": FIXED_FN}),
             ("run_tests", {}), ("finish", {"summary": "add adds", "changes": "calc.add: - to +"})]


def native_script(steps=FIX_STEPS) -> list[dict]:
    return [call(n, **a) for n, a in steps]


def json_script(steps=FIX_STEPS) -> list[dict]:
    return [js(n, **a) for n, a in steps]


def run_loop(server: FakeOpenAI, root: Path, protocol: str = "native", stream: bool = True,
             **settings) -> tuple[AgentLoop, list]:
    model = OpenAICompatModel(server.base_url, "fake-model", "FAKE_KEY", environ={}, stream=stream,
                              retries=0, timeout=20)
    settings.setdefault("plan_every", 0)
    with Sandbox(root) as sbx:
        ctx = ToolContext(sbx.path, PytestRunner(sys.executable, timeout=60), [TARGET])
        loop = AgentLoop(model, default_tools(), protocol, ctx, Policy(sbx.path), root,
                         "fix test_add", LoopSettings(**settings))
        events = list(loop.run())
    return loop, events


@pytest.mark.parametrize("protocol,stream", [("native", True), ("native", False), ("json", True)])
def test_full_fix(project: Path, protocol: str, stream: bool) -> None:
    script = native_script() if protocol == "native" else json_script()
    with FakeOpenAI(script) as server:
        loop, events = run_loop(server, project, protocol, stream)
    assert loop.result.status == "finished", loop.result.message
    assert loop.result.changed == {"calc.py": FIXED_FN.encode()}
    assert (project / "calc.py").read_text() == BUGGY          # only the sandbox changed
    assert [e.tool for e in events if isinstance(e, ToolCall)] == [n for n, _ in FIX_STEPS]
    assert all(e.ok for e in events if isinstance(e, ToolResult))
    assert server.rejections == []
    assert loop.result.usage.prompt_tokens > 0 and loop.result.usage.completion_tokens > 0


def test_json_malformed_and_wrong_tool_are_fed_back(project: Path) -> None:
    script = [{"content": '{"tool": "list_files", "args": {"rel_dir": "."'},   # truncated JSON
              js("list_dir", rel_dir="."),                                       # unknown tool
              js("list_files", rel_dir=7)] + json_script()                       # schema error
    with FakeOpenAI(script) as server:
        loop, events = run_loop(server, project, "json")
    assert loop.result.status == "finished"
    feedback = [r["messages"][-1]["content"] for r in server.worker_requests()[1:4]]
    assert "not valid JSON" in feedback[0]
    assert "unknown tool 'list_dir'" in feedback[1] and "list_files" in feedback[1]
    assert "invalid args for list_files at rel_dir" in feedback[2]
    assert [e.ok for e in events if isinstance(e, ToolResult)][:3] == [False, False, False]


def test_native_wrong_tool_name_answered_in_place(project: Path) -> None:
    script = [call("open_file", path="calc.py")] + native_script()
    with FakeOpenAI(script) as server:
        loop, _ = run_loop(server, project)
    assert loop.result.status == "finished"
    answer = server.worker_requests()[1]["messages"][-1]
    assert answer["role"] == "tool" and "unknown tool 'open_file'" in answer["content"]
    assert server.rejections == []


def test_first_action_invariant(project: Path) -> None:
    script = [call("read_file", path="calc.py")] + native_script()
    with FakeOpenAI(script) as server:
        loop, events = run_loop(server, project, reflection=False)
    first = [e for e in events if isinstance(e, ToolResult)][0]
    assert not first.ok and "first action must be list_files" in first.output
    msgs = server.worker_requests()[1]["messages"]
    assert [m["role"] for m in msgs[-3:]] == ["assistant", "tool", "system"]
    assert "first action must be list_files" in msgs[-1]["content"]
    assert loop.result.status == "finished"


def test_driver_notes_never_split_a_call_from_its_result(project: Path) -> None:
    steps = [FIX_STEPS[0], ("run_tests", {})] + FIX_STEPS[1:]     # a failing run -> reflection note
    with FakeOpenAI(native_script(steps)) as server:
        loop, _ = run_loop(server, project, plan_every=2)
    assert loop.result.status == "finished" and server.rejections == []
    for body in server.requests:
        msgs = body["messages"]
        for i, m in enumerate(msgs[2:], 2):
            if m["role"] == "system":
                assert msgs[i - 1]["role"] in ("tool", "system"), msgs[i - 1]
    assert any(m["role"] == "system" and m["content"].startswith("Reflection:")
               for m in server.requests[-1]["messages"])


def test_order_rule_checker_catches_a_note_between_call_and_result() -> None:
    call_msg = {"role": "assistant", "content": "", "tool_calls": [{"id": "c1", "type": "function",
                                                                   "function": {"name": "x", "arguments": "{}"}}]}
    bad = [{"role": "user", "content": "u"}, call_msg, {"role": "system", "content": "note"},
           {"role": "tool", "tool_call_id": "c1", "content": "r"}]
    assert "not answered" in order_problem(bad)
    assert order_problem([bad[0], call_msg, bad[3], bad[2]]) == ""


@pytest.mark.parametrize("reflection", [True, False])
def test_reflection_switch(project: Path, reflection: bool) -> None:
    steps = [FIX_STEPS[0], ("run_tests", {})] + FIX_STEPS[1:]
    with FakeOpenAI(native_script(steps), reflection=lambda req: {"content": "The sum is subtracted."}) as server:
        loop, events = run_loop(server, project, reflection=reflection)
    assert loop.result.status == "finished"
    assert server.kinds.count("reflection") == (1 if reflection else 0)
    assert any(isinstance(e, Thought) and "subtracted" in e.text for e in events) is reflection


def test_planner_cadence(project: Path) -> None:
    plans = iter(['{"subgoals": ["read calc", "fix add"]}', '{"subgoals": ["run tests", "finish"]}'])
    with FakeOpenAI(native_script(), planner=lambda req: {"content": next(plans)}) as server:
        loop, events = run_loop(server, project, plan_every=2)
    assert loop.result.status == "finished"
    # five worker steps: the planner runs after steps 2 and 4
    assert server.kinds == ["worker", "worker", "planner", "worker", "worker", "planner", "worker"]
    updates = [e for e in events if isinstance(e, PlanUpdated)]
    assert [u.steps[0]["title"] for u in updates] == ["read calc", "run tests"]
    assert "Current subgoal: run tests" in server.requests[-1]["messages"][-1]["content"]


def test_planner_after_failed_validation(project: Path) -> None:
    steps = [FIX_STEPS[0], ("finish", {"summary": "done?", "changes": "none"})] + FIX_STEPS[1:]
    with FakeOpenAI(native_script(steps)) as server:
        loop, events = run_loop(server, project, plan_every=10, reflection=False)
    refused = [e for e in events if isinstance(e, ToolResult) and e.tool == "finish"][0]
    assert not refused.ok and "still fail" in refused.output
    assert server.kinds[:3] == ["worker", "worker", "planner"]
    assert loop.result.status == "finished"


def test_step_cap(project: Path) -> None:
    script = native_script([FIX_STEPS[0]] + [("read_file", {"path": "calc.py"})] * 10)
    with FakeOpenAI(script) as server:
        loop, _ = run_loop(server, project, max_steps=3)
    assert loop.result.status == "step_cap" and len(server.worker_requests()) == 3
    assert not loop.result.changed


def test_fallback_proposes_a_passing_patch_without_finish(project: Path) -> None:
    script = native_script(FIX_STEPS[:3]) + [{"content": "All done, I think."}]
    with FakeOpenAI(script) as server:
        loop, _ = run_loop(server, project, max_invalid=0)
    assert loop.result.status == "fallback"
    assert "without finish" in loop.result.message
    assert loop.result.changed == {"calc.py": FIXED_FN.encode()} and loop.result.tests_pass


def test_no_fallback_when_the_patch_fails(project: Path) -> None:
    wrong = [FIX_STEPS[0], ("edit", {"path": "calc.py", "old_text": "a - b", "new_text": "a * b"})]
    with FakeOpenAI(native_script(wrong) + [{"content": "done"}]) as server:
        loop, _ = run_loop(server, project, max_invalid=0)
    assert loop.result.status == "gave_up" and not loop.result.has_patch


def test_policy_refuses_test_edits_and_escapes(project: Path) -> None:
    steps = [FIX_STEPS[0], ("write_file", {"path": "test_calc.py", "content": "def test_add():\n    pass\n"}),
             ("read_file", {"path": "../outside.txt"})]
    with FakeOpenAI(native_script(steps)) as server:
        loop, events = run_loop(server, project, max_steps=3, reflection=False)
    results = [e for e in events if isinstance(e, ToolResult)]
    assert "not approved" in results[1].output and "leaves the workspace" in results[2].output
    assert not loop.result.changed


def test_endpoint_down_is_a_clear_error(project: Path) -> None:
    server = FakeOpenAI([])
    url = server.base_url
    server.httpd.server_close()                # nothing listens there any more
    model = OpenAICompatModel(url, "m", retries=1, backoff=0.01, environ={})
    with Sandbox(project) as sbx, pytest.raises(BackendError, match="cannot reach LLM endpoint"):
        ctx = ToolContext(sbx.path, PytestRunner(sys.executable), [TARGET])
        list(AgentLoop(model, default_tools(), "native", ctx, Policy(sbx.path), project, "g").run())


def test_bad_key_and_timeout_are_clear_errors() -> None:
    from agent.llm.base import ChatRequest
    request = ChatRequest([{"role": "user", "content": "hi"}])
    with FakeOpenAI([{"content": "late", "sleep": 2}], api_key="right") as server:
        wrong = OpenAICompatModel(server.base_url, "m", "MY_KEY", environ={"MY_KEY": "wrong"})
        with pytest.raises(BackendError, match=r"refused the API key .*\$MY_KEY"):
            wrong.complete(request)
        slow = OpenAICompatModel(server.base_url, "m", "MY_KEY", environ={"MY_KEY": "right"},
                                 timeout=0.5, retries=0)
        with pytest.raises(BackendError, match="timed out after 0.5s"):
            slow.complete(request)
        assert "right" not in repr(slow)


def test_transient_errors_are_retried_with_backoff() -> None:
    from agent.llm.base import ChatRequest
    pauses: list[float] = []
    script = [{"status": 503, "error": "busy"}, {"status": 500, "error": "oops"}, {"content": "ok"}]
    with FakeOpenAI(script) as server:
        model = OpenAICompatModel(server.base_url, "m", environ={}, retries=3, backoff=0.1,
                                  sleep=pauses.append)
        assert model.complete(ChatRequest([{"role": "user", "content": "hi"}])).content == "ok"
    assert pauses == [0.1, 0.2]
