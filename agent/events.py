"""Typed events a repair session yields. The CLI prints them, the language server forwards them as
`remedy/event {jobId, type, data}`, the bench counts them. `to_data()` is the JSON payload."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Sequence

from .types import FixResult, Proposal, RunReport, SuspiciousLine

__all__ = ["Event", "PlanUpdated", "Thought", "ToolCall", "ToolResult", "TestsRan", "Localized",
           "CandidatesRanked", "Validation", "ProposalReady", "Done", "Error", "event_type"]


@dataclass
class Event:
    def to_data(self) -> dict[str, Any]:
        return _jsonable(dataclasses.asdict(self))


@dataclass
class PlanUpdated(Event):
    steps: list[dict[str, str]]          # [{"title": ..., "status": "pending|running|done|failed"}]


@dataclass
class Thought(Event):
    text: str


@dataclass
class ToolCall(Event):
    tool: str
    args: dict[str, Any]
    call_id: str = ""


@dataclass
class ToolResult(Event):
    tool: str
    ok: bool
    output: str
    call_id: str = ""


@dataclass
class TestsRan(Event):
    purpose: str                          # "reproduce" | "validate" | ...
    passed: list[str]
    failed: list[dict[str, str]]          # [{"testId", "message", "path", "line"}]

    @classmethod
    def from_report(cls, purpose: str, report: RunReport) -> "TestsRan":
        failed = []
        for r in report.failing:
            frame = r.frames[-1] if r.frames else None
            failed.append({"testId": r.test_id, "outcome": r.outcome.value, "message": r.message,
                           "path": frame.path if frame else "", "line": str(frame.line if frame else 0)})
        return cls(purpose, [r.test_id for r in report.passing], failed)


@dataclass
class Localized(Event):
    lines: list[SuspiciousLine]


@dataclass
class CandidatesRanked(Event):
    count: int
    top: list[dict[str, Any]]            # [{"id", "template", "path", "line", "description", "energy"}]

    @classmethod
    def of(cls, ranked: Sequence[Any]) -> "CandidatesRanked":
        """From agent.rank's `Ranked` list, best first: its length and its first ten."""
        top = [{"id": r.candidate.id, "template": r.candidate.template, "path": r.candidate.path,
                "line": r.candidate.line, "description": r.candidate.description, "energy": r.energy}
               for r in ranked[:10]]
        return cls(len(ranked), top)


@dataclass
class Validation(Event):
    candidate_id: str
    description: str
    plausible: bool
    passed: int
    failed: int
    stage: str = "target"                 # "target" | "regression"
    position: int = 0                     # its place in the validation order, 1 = the first taken up;
                                          # events come as validations finish, not in this order


@dataclass
class ProposalReady(Event):
    proposal: Proposal

    def to_data(self) -> dict[str, Any]:
        p = self.proposal
        return {"proposalId": p.id, "patch": p.patch, "files": p.files, "summary": p.summary,
                "energy": p.energy, "confidence": p.confidence, "tests": p.tests,
                "hunks": [_jsonable(dataclasses.asdict(h)) for h in p.hunks]}


@dataclass
class Done(Event):
    result: FixResult

    def to_data(self) -> dict[str, Any]:
        return self.result.to_json()


@dataclass
class Error(Event):
    message: str
    kind: str = "error"                   # "bad_input" | "cancelled" | "error"


def event_type(event: Event) -> str:
    return type(event).__name__


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items() if k not in ("base_texts",)}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if hasattr(value, "value") and isinstance(value.value, str):
        return value.value
    return value
