"""One bench case through the same session the CLI uses, on a fresh copy: what happened (`CaseRun`)
and whether the patch is the reference fix."""
from __future__ import annotations

import asyncio
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..config import Config
from ..diff import apply_hunks
from ..events import Done, Event, Validation
from ..session import run_repair
from ..types import FixStatus
from .corpus import Case

__all__ = ["CaseRun", "run_case"]


@dataclass
class CaseRun:
    case: str
    ranker: str               # the configuration's label (agent.eval.grid)
    status: str
    plausible: bool
    exact: bool
    seconds: float
    tests_run: int
    generated: int
    tried: int
    to_first: int | None      # the first plausible patch's place in the validation order (1 = the first
                              # one taken up): the same whatever the timing of parallel workers
    kind: str
    edits: int
    message: str
    seconds_to_first: float | None = None   # from the session's start to the first plausible patch
    rollout: int = 0
    seed: int | None = None


def run_case(case: Case, config: Config, label: str = "", observe: Callable[[Event], None] | None = None) -> CaseRun:
    """One case on a fresh copy; `observe`, when given, sees every event of the session."""
    with tempfile.TemporaryDirectory(prefix=f"remedy-bench-{case.name}-") as tmp:
        root = Path(tmp) / "project"
        case.materialize(root)
        started = time.monotonic()
        result, to_first, first_at = None, None, None

        async def drive():
            nonlocal result, to_first, first_at
            async for event in run_repair(root, list(case.failing), config):
                if observe is not None:
                    observe(event)
                if isinstance(event, Validation) and event.plausible:
                    # Completion order varies with the workers' timing; the place in the order does not.
                    if to_first is None or event.position < to_first:
                        to_first = event.position
                    if first_at is None:
                        first_at = time.monotonic() - started
                elif isinstance(event, Done):
                    result = event.result

        asyncio.run(drive())
        seconds = time.monotonic() - started
        assert result is not None
        exact = False
        if result.status is FixStatus.FIXED and result.proposal is not None:
            exact = all(_same_code(case.reference(p), _patched(result, p)) for p in result.files)
        return CaseRun(case.name, label or config.ranker, result.status.value, result.status is FixStatus.FIXED,
                       exact, round(seconds, 2), result.tests_run, result.candidates_generated,
                       result.candidates_tried, to_first, case.kind, case.edits, result.message[:200],
                       None if first_at is None else round(first_at, 2))


def _patched(result, path: str) -> bytes:
    proposal = result.proposal
    return apply_hunks(proposal.base_texts[path], [h for h in proposal.hunks if h.path == path]).encode()


def _same_code(reference: bytes | None, patched: bytes) -> bool:
    if reference is None:
        return False
    strip = lambda b: [line.rstrip() for line in b.decode("utf-8", "replace").splitlines() if line.strip()]
    return strip(reference) == strip(patched)
