"""The LLM engine: agent loops as a source of candidates (samples.py puts them behind the generate
stage's interface).

Each sample is one complete agent-loop run in its own sandbox copy; a run that leaves a patch
passing the failing targets (a clean finish, or the fallback) becomes a `Candidate` with
source="llm" whose edits replace whole file contents, ranked and validated like the built-in
candidates. `SessionLlm.round(k, ...)` runs K samples; K grows 1 -> 2 -> 4 -> 8 (`K_SCHEDULE`,
`SessionLlm.schedule`) while validation keeps failing. Each run's trace is kept for the session's
JSONL trace.
"""
from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import AsyncIterator, Iterator, Sequence

from ..cancel import CancelToken
from ..config import Config
from ..events import Event
from ..llm.base import ChatModel, Usage
from ..llm.catalog import prompt
from .loop import AgentLoop, LoopResult, LoopSettings
from ..sandbox.tool_gate import Approver, Policy, deny_all
from ..sandbox.workspace import Sandbox
from .tools import default_tools
from .tools.base import TestRunnerPort, ToolContext
from ..types import Candidate, Edit, SuspiciousLine, TestResult

__all__ = ["LlmEngine", "LlmSample", "K_SCHEDULE", "goal_text"]

K_SCHEDULE = (1, 2, 4, 8)
SAMPLING_TEMPERATURE = 0.8      # of every sample but a session's first (greedy)


@dataclass
class LlmSample:
    index: int
    result: LoopResult
    candidate: Candidate | None
    messages: list[dict] = field(default_factory=list)


def goal_text(failing: Sequence[TestResult], lines: Sequence[SuspiciousLine]) -> str:
    failures = "\n".join(f"- {t.test_id}: {t.message[:500]}" for t in failing[:5]) or "- (unknown)"
    suspicious = "\n".join(f"- {s.path}:{s.line} (score {s.score:.2f})" for s in lines[:8]) or "- (none)"
    return prompt("goal").format(failures=failures, suspicious=suspicious)


class LlmEngine:
    def __init__(self, model: ChatModel, config: Config, runner: TestRunnerPort, cancel: CancelToken,
                 approve: Approver = deny_all) -> None:
        self.model, self.config, self.runner, self.cancel, self.approve = model, config, runner, cancel, approve
        self.samples: list[LlmSample] = []
        self.usage = Usage()

    def settings(self, sample: int) -> LoopSettings:
        llm, seed = self.config.llm, self.config.seed
        # the first sample is greedy, later ones sample, so K candidates differ; a bench rollout
        # (a seed) samples every one, each with a seed of its own
        greedy = sample == 0 and seed is None
        return LoopSettings(max_steps=llm.max_steps, reflection=llm.reflection,
                            temperature=0.0 if greedy else SAMPLING_TEMPERATURE,
                            seed=None if seed is None else seed * 1000 + sample)

    def run_one(self, root: Path, targets: list[str], goal: str) -> Iterator[Event]:
        """One agent loop in a fresh sandbox; appends an LlmSample."""
        index = len(self.samples)
        with Sandbox(root) as sbx:
            ctx = ToolContext(sbx.path, self.runner, list(targets), self.cancel)
            loop = AgentLoop(self.model, default_tools(), self.config.llm.tool_protocol, ctx,
                             Policy(sbx.path, self.approve), root, goal, self.settings(index))
            try:
                yield from loop.run()
            finally:
                self.usage.add(loop.result.usage)
                cand = to_candidate(root, loop.result, index) if loop.result.has_patch else None
                self.samples.append(LlmSample(index, loop.result, cand, loop.messages))

    async def sample(self, root: Path, targets: list[str], goal: str, k: int) -> AsyncIterator[Event]:
        """Run k loops one after another in a worker thread, streaming their events."""
        for _ in range(k):
            self.cancel.check()
            async for event in _threaded(self.run_one(root, targets, goal)):
                yield event

    def candidates(self, since: int = 0) -> list[Candidate]:
        return [s.candidate for s in self.samples[since:] if s.candidate is not None]


def to_candidate(root: Path, result: LoopResult, index: int) -> Candidate:
    edits, main, line = [], "", 1
    for path, new in sorted(result.changed.items()):
        before = (root / path).read_bytes() if (root / path).is_file() else b""
        edits.append(Edit(path, 0, len(before), new.decode("utf-8")))
        if not main:
            main, line = path, _first_changed_line(before, new)
    how = "finished" if result.status == "finished" else "fallback: stopped without finish"
    return Candidate(tuple(edits), template="llm", path=main, line=line,
                     description=(result.summary or result.message)[:300] + f" [llm {how}]",
                     suspiciousness=1.0, source="llm", id=f"llm-{index}")


def _first_changed_line(before: bytes, after: bytes) -> int:
    for n, (a, b) in enumerate(zip(before.splitlines(), after.splitlines()), 1):
        if a != b:
            return n
    return min(len(before.splitlines()), len(after.splitlines())) + 1


async def _threaded(events: Iterator[Event]) -> AsyncIterator[Event]:
    """Drive a blocking event generator in a thread; re-raise its exception here."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue = asyncio.Queue()
    done = object()

    def pump() -> None:
        try:
            for event in events:
                loop.call_soon_threadsafe(queue.put_nowait, event)
            loop.call_soon_threadsafe(queue.put_nowait, done)
        except BaseException as exc:      # handed to the awaiting side, raised there
            loop.call_soon_threadsafe(queue.put_nowait, exc)

    thread = threading.Thread(target=pump, name="remedy-agent-loop", daemon=True)
    thread.start()
    while True:
        item = await queue.get()
        if item is done:
            break
        if isinstance(item, BaseException):
            raise item
        yield item
    await asyncio.to_thread(thread.join)


class SessionLlm:
    """What a repair session needs from the LLM engine: a first round of samples mixed into the
    built-in candidates, and more rounds (K = 2, 4, 8) while validation keeps failing. In auto mode
    an endpoint that is down switches the LLM off with a note instead of failing the session."""

    def __init__(self, engine: LlmEngine, mode: str) -> None:
        self.engine, self.mode = engine, mode
        self.note = ""
        self.available = True
        self.fresh: list[Candidate] = []

    async def round(self, k: int, project, files: dict[str, bytes], failing, lines) -> AsyncIterator[Event]:
        from ..errors import BackendError
        from ..events import Thought

        self.fresh = []
        if not self.available:
            return
        since = len(self.engine.samples)
        try:
            async for event in self.engine.sample(project.root, [t.test_id for t in failing],
                                                  goal_text(failing, lines), k):
                yield event
        except BackendError as exc:
            if self.mode != "auto":
                raise
            self.available = False
            self.note = f"LLM unavailable ({exc}); used the built-in engine"
            yield Thought(self.note)
        self.fresh = [c for c in self.engine.candidates(since)
                      if all((project.root / e.path).is_file() for e in c.edits)]
        for cand in self.fresh:
            for edit in cand.edits:
                files.setdefault(edit.path, project.read(edit.path))

    def schedule(self) -> Sequence[int]:
        return K_SCHEDULE[1:] if self.available else ()
