"""The tool-calling agent loop: a model fixes the failing tests in a sandbox copy, one tool call at
a time, and leaves a patch there.

The message list is the state. After system and user come strictly assistant(tool call) ->
result pairs; driver notes (invariant violations, reflections, planner subgoals) are appended as
system messages only after a tool result, never between a call and its result. Invariants: the
first action is list_files {"rel_dir": "."}; only tools that mutate (edit, write_file) change
files; every call passes the policy gate; a step cap. `finish` is accepted only when the target
tests pass; if the model stops without one but the sandbox patch passes, that patch is proposed
anyway (`LoopResult.status == "fallback"`). `run()` yields typed events; `result` holds the end.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Sequence

from ..errors import BackendError, BadInput
from ..events import Event, PlanUpdated, Thought, ToolCall, ToolResult
from ..llm.base import ChatModel, ChatRequest, Usage
from ..llm.catalog import prompt
from .protocols import Action, ToolSpec, make_protocol
from ..sandbox.tool_gate import Policy
from .tools.base import Tool, ToolContext, ToolOutput

__all__ = ["LoopSettings", "LoopResult", "TraceStep", "AgentLoop", "FIRST_ACTION"]

FIRST_ACTION = ("list_files", {"rel_dir": "."})


@dataclass(frozen=True)
class LoopSettings:
    max_steps: int = 30
    reflection: bool = True
    plan_every: int = 5                 # planner turn every K worker steps; 0 = no planner
    max_invalid: int = 3                # consecutive unusable replies before giving up
    temperature: float = 0.0
    seed: int | None = None             # sampling seed of every request (a bench rollout's)


@dataclass
class TraceStep:
    action: str
    content: str
    obs: str
    ok: bool


@dataclass
class LoopResult:
    status: str = "running"             # finished | fallback | step_cap | gave_up | error
    message: str = ""
    summary: str = ""
    changed: dict[str, bytes] = field(default_factory=dict)
    tests_pass: bool = False
    steps: list[TraceStep] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    model_calls: int = 0

    @property
    def has_patch(self) -> bool:
        return bool(self.changed) and self.tests_pass


class AgentLoop:
    def __init__(self, model: ChatModel, tools: Sequence[Tool], protocol: str, ctx: ToolContext,
                 policy: Policy, original_root: Path, goal: str,
                 settings: LoopSettings = LoopSettings()) -> None:
        self.model, self.ctx, self.policy, self.settings = model, ctx, policy, settings
        self.tools = {t.name: t for t in tools}
        self.protocol = make_protocol(protocol, [ToolSpec(t.name, t.description, t.schema) for t in tools])
        self.original_root = Path(original_root)
        self.messages: list[dict[str, Any]] = [
            {"role": "system", "content": self.protocol.system_prompt(prompt("system"))},
            {"role": "user", "content": goal}]
        self.result = LoopResult()
        self.touched: list[str] = []
        self.subgoals: list[str] = []
        self._first_done = False
        self._planned_at = 0

    def run(self) -> Iterator[Event]:
        worker_steps, invalid = 0, 0
        try:
            while self.result.status == "running":
                if worker_steps >= self.settings.max_steps:
                    self.result.status, self.result.message = "step_cap", f"step cap ({self.settings.max_steps}) reached"
                    break
                self.ctx.cancel.check()
                reply = self._call(self.protocol.request(self.messages, self.settings.temperature, self.settings.seed))
                self.messages.append(reply.as_message())
                if reply.content and reply.tool_calls:
                    yield Thought(reply.content)
                notes: list[str] = []
                failed_validation = False
                for action in self.protocol.actions(reply):
                    if action.error:
                        invalid += 1
                        yield ToolResult(action.name or "(none)", False, action.error, action.call_id)
                        self._answer(action, action.error, False, json.dumps(action.args))
                        continue
                    invalid = 0
                    worker_steps += 1
                    yield ToolCall(action.name, action.args, action.call_id)
                    out = self._execute(action, notes)
                    if out.finished:
                        out, failed_validation = self._accept_finish(action, out)
                    yield ToolResult(action.name, out.ok, out.text, action.call_id)
                    self._answer(action, out.text, out.ok, json.dumps(action.args))
                    if not out.ok and self.settings.reflection and self.result.status == "running":
                        note = self._reflect()
                        if note:
                            yield Thought(note)
                            notes.append("Reflection: " + note)
                for note in notes:
                    self.messages.append({"role": "system", "content": note})
                if invalid > self.settings.max_invalid:
                    self.result.status = "gave_up"
                    self.result.message = f"{invalid} unusable replies in a row"
                elif self.result.status == "running" and self._plan_due(worker_steps, failed_validation):
                    yield from self._plan(worker_steps)
        except BackendError as exc:
            if self.result.model_calls == 0:
                raise
            self.result.status, self.result.message = "error", str(exc)
        if self.result.status != "finished":
            self._fallback()

    # -- one action ---------------------------------------------------------------------------
    def _execute(self, action: Action, notes: list[str]) -> ToolOutput:
        if not self._first_done:
            if (action.name, action.args) != FIRST_ACTION:
                notes.append('Invariant: the first action must be list_files {"rel_dir": "."}; '
                             "that call was not run.")
                return ToolOutput(False, 'refused: the first action must be list_files {"rel_dir": "."}')
            self._first_done = True
        tool = self.tools[action.name]
        decision = self.policy.check(tool, action.args)
        if not decision.allowed:
            notes.append(f"Policy: {action.name} was refused ({decision.reason}).")
            return ToolOutput(False, f"refused by policy: {decision.reason}")
        try:
            out = tool.run(self.ctx, dict(action.args))
        except BadInput as exc:
            return ToolOutput(False, str(exc))
        except (OSError, UnicodeError) as exc:
            return ToolOutput(False, f"{action.name} failed: {exc}")
        if out.changed and not tool.mutates:       # only edit/write_file may change files
            raise AssertionError(f"tool {action.name} reported changes but does not mutate")
        self.touched += [p for p in out.changed if p not in self.touched]
        return out

    def _accept_finish(self, action: Action, out: ToolOutput) -> tuple[ToolOutput, bool]:
        report = self.ctx.runner.run(self.ctx.workspace, self.ctx.target_tests, cancel=self.ctx.cancel)
        if report.all_ok and report.results:
            self.result.status, self.result.summary = "finished", action.args.get("summary", "")
            self.result.message = "the model finished and the failing tests pass"
            self.result.tests_pass = True
            self.result.changed = self._changed_files()
            return out, False
        failures = "; ".join(f"{r.test_id}: {r.message[:200]}" for r in report.failing[:3])
        return ToolOutput(False, "finish refused: the target tests still fail. " + (failures or
                          "; ".join(report.collection_errors[:1]))), True

    def _answer(self, action: Action, text: str, ok: bool, content: str) -> None:
        self.messages.append(self.protocol.result_message(action, text))
        self.result.steps.append(TraceStep(action.name or "(invalid)", content, text, ok))

    # -- driver turns ---------------------------------------------------------------------------
    def _call(self, request: ChatRequest):
        reply = self.model.complete(request)
        self.result.usage.add(reply.usage)
        self.result.model_calls += 1
        return reply

    def _reflect(self) -> str:
        messages = self.messages + [{"role": "system", "content": prompt("reflection")}]
        return self._call(ChatRequest(messages, temperature=self.settings.temperature, seed=self.settings.seed)).content.strip()[:1500]

    def _plan_due(self, worker_steps: int, failed_validation: bool) -> bool:
        k = self.settings.plan_every
        if not k or not worker_steps or worker_steps == self._planned_at:
            return False
        return failed_validation or worker_steps % k == 0

    def _plan(self, worker_steps: int) -> Iterator[Event]:
        self._planned_at = worker_steps
        messages = self.messages + [{"role": "system", "content": prompt("planner")}]
        text = self._call(ChatRequest(messages, temperature=self.settings.temperature, seed=self.settings.seed)).content
        subgoals = _subgoals(text)
        if not subgoals:
            return
        self.subgoals = subgoals
        yield PlanUpdated([{"title": s, "status": "running" if i == 0 else "pending"}
                           for i, s in enumerate(subgoals)])
        listing = "\n".join(f"{i}. {s}" for i, s in enumerate(subgoals, 1))
        self.messages.append({"role": "system", "content": f"Plan:\n{listing}\nCurrent subgoal: {subgoals[0]}"})

    # -- the end --------------------------------------------------------------------------------
    def _changed_files(self) -> dict[str, bytes]:
        changed = {}
        for rel in self.touched:
            now = (self.ctx.workspace / rel).read_bytes()
            before = self.original_root / rel
            if not before.is_file() or before.read_bytes() != now:
                changed[rel] = now
        return changed

    def _fallback(self) -> None:
        changed = self._changed_files()
        if not changed:
            return
        report = self.ctx.runner.run(self.ctx.workspace, self.ctx.target_tests, cancel=self.ctx.cancel)
        if report.all_ok and report.results:
            why = self.result.message or self.result.status
            self.result.changed, self.result.tests_pass = changed, True
            self.result.message = (f"the model stopped without finish ({why}), but its patch in the "
                                   "sandbox passes the failing tests; proposing it")
            self.result.status = "fallback"


def _subgoals(text: str) -> list[str]:
    try:
        obj = json.loads(text.strip().removeprefix("```json").removesuffix("```"))
        if isinstance(obj, dict) and isinstance(obj.get("subgoals"), list):
            return [str(s).strip()[:200] for s in obj["subgoals"] if str(s).strip()][:5]
    except json.JSONDecodeError:
        pass
    lines = [ln.strip(" -*0123456789.\t") for ln in text.splitlines()]
    return [ln[:200] for ln in lines if ln][:5]
