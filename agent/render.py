"""Terminal rendering of session events: progress on stderr (rich), the diff on stdout.

Everything the progress console writes passes through `redact` (agent/secrets.py), so no secret
value a test put into its failure message or an error reaches the terminal; text from the project
(test ids, messages, descriptions) is markup-escaped, so `[...]` in it prints as written."""
from __future__ import annotations

import sys
from typing import IO, cast

from rich.console import Console
from rich.markup import escape
from rich.syntax import Syntax

from .events import (CandidatesRanked, Error, Event, Localized, PlanUpdated, ProposalReady, TestsRan,
                     Validation)
from .secrets import redact
from .types import FixResult, FixStatus

__all__ = ["ProgressPrinter"]


class ProgressPrinter:
    def __init__(self) -> None:
        self.err = Console(file=cast(IO[str], _RedactingStderr()), highlight=False, soft_wrap=True)
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
                self.err.print(f"  [red]✗[/] {escape(f['testId'])}: {escape(message[:120])}")
        elif isinstance(event, Localized):
            top = escape(", ".join(f"{s.path}:{s.line} ({s.score:.2f})" for s in event.lines[:3]))
            self.err.print(f"  most suspicious: {top or 'nothing'}")
        elif isinstance(event, CandidatesRanked):
            self.err.print(f"  {event.count} candidates")
        elif isinstance(event, Validation):
            self._tried += 1
            if event.plausible:
                self.err.print(f"  [green]✓[/] plausible after {self._tried} tried: "
                               f"{escape(event.description)}")
        elif isinstance(event, ProposalReady):
            self.err.print(f"[bold green]›[/] Proposal: {escape(event.proposal.summary)}")
        elif isinstance(event, Error):
            self.err.print(f"[bold red]remedy: error:[/] {escape(event.message)}", markup=True)

    def final(self, result: FixResult) -> None:
        if result.status is FixStatus.FIXED:
            if self.out.is_terminal:
                self.out.print(Syntax(result.patch, "diff", theme="ansi_dark", background_color="default"))
            else:
                sys.stdout.write(result.patch)
            self.err.print(f"fixed in {result.elapsed_s:.1f}s: {result.candidates_tried} candidates "
                           f"tried, {result.tests_run} test runs. {escape(result.message)}")
        elif result.status is FixStatus.ALREADY_PASSING:
            self.err.print(f"nothing to fix: {escape(result.message)}")
        elif result.status is FixStatus.NO_FIX:
            self.err.print(f"[yellow]no fix:[/] {escape(result.message)}")


class _RedactingStderr:
    """sys.stderr (looked up on each write) with secrets redacted; rich writes a whole print at
    once, soft-wrapped, so a secret is never split across two writes."""

    def write(self, text: str) -> int:
        return sys.stderr.write(redact(text))

    def __getattr__(self, name: str):
        return getattr(sys.stderr, name)
