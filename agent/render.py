"""Terminal rendering of session events: progress on stderr (rich), the diff on stdout."""
from __future__ import annotations

import sys

from rich.console import Console
from rich.syntax import Syntax

from .events import (CandidatesRanked, Error, Event, Localized, PlanUpdated, ProposalReady, TestsRan,
                     Validation)
from .types import FixResult, FixStatus

__all__ = ["ProgressPrinter"]


class ProgressPrinter:
    def __init__(self) -> None:
        self.err = Console(stderr=True, highlight=False, soft_wrap=True)
        self.out = Console(file=sys.stdout, highlight=False, soft_wrap=True)
        self._running = ""
        self._tried = 0

    def event(self, event: Event) -> None:
        if isinstance(event, PlanUpdated):
            running = next((s["title"] for s in event.steps if s["status"] == "running"), "")
            if running and running != self._running:
                self._running = running
                self.err.print(f"[bold cyan]›[/] {running}")
        elif isinstance(event, TestsRan):
            self.err.print(f"  {len(event.passed)} passed, {len(event.failed)} failing")
            for f in event.failed[:5]:
                message = f["message"].splitlines()[0] if f["message"] else f["outcome"]
                self.err.print(f"  [red]✗[/] {f['testId']}: {message[:120]}")
        elif isinstance(event, Localized):
            top = ", ".join(f"{l.path}:{l.line} ({l.score:.2f})" for l in event.lines[:3])
            self.err.print(f"  most suspicious: {top or 'nothing'}")
        elif isinstance(event, CandidatesRanked):
            self.err.print(f"  {event.count} candidates")
        elif isinstance(event, Validation):
            self._tried += 1
            if event.plausible:
                self.err.print(f"  [green]✓[/] plausible after {self._tried} tried: {event.description}")
        elif isinstance(event, ProposalReady):
            self.err.print(f"[bold green]›[/] Proposal: {event.proposal.summary}")
        elif isinstance(event, Error):
            self.err.print(f"[bold red]remedy: error:[/] {event.message}", markup=True)

    def final(self, result: FixResult) -> None:
        if result.status is FixStatus.FIXED:
            if self.out.is_terminal:
                self.out.print(Syntax(result.patch, "diff", theme="ansi_dark", background_color="default"))
            else:
                sys.stdout.write(result.patch)
            self.err.print(f"fixed in {result.elapsed_s:.1f}s: {result.candidates_tried} candidates "
                           f"tried, {result.tests_run} test runs. {result.message}")
        elif result.status is FixStatus.ALREADY_PASSING:
            self.err.print(f"nothing to fix: {result.message}")
        elif result.status is FixStatus.NO_FIX:
            self.err.print(f"[yellow]no fix:[/] {result.message}")
