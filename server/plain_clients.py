"""Proposals in any LSP client, with standard LSP only (Neovim, Emacs, Helix: none of them knows
`remedy/proposal`). Each pending hunk gets an Information diagnostic on the lines it changes,
saying what the fix does, and two code actions on those lines, "Remedy: apply fix" and "Remedy:
reject fix" (the hunk's Accept/Reject commands); a fix the user asked for is brought into view
with `window/showDocument`; a background fix is announced with a plain `window/showMessage`,
never a request, which some clients turn into a modal prompt in the middle of typing.

A rich client, one that renders `remedy/proposal` itself (the VS Code extension), says so with the
experimental client capability `remedyProposals`; it then gets no hunk diagnostics and no
showDocument (it shows the proposal its own way) and keeps the "Review" prompt for background fixes.
The code actions are offered to every client.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from lsprotocol import types

from agent import Hunk, node_function

from . import convert
from .command_types import ACCEPT_HUNK, REJECT_HUNK, HunkArgs
from .proposals import PendingProposal, StaleHunk, locate

if TYPE_CHECKING:
    from .server import RemedyServer

__all__ = ["RICH_CAPABILITY", "is_rich", "hunk_diagnostics", "hunk_actions", "announce",
           "APPLY_FIX", "REJECT_FIX", "PROPOSED_FIX"]

RICH_CAPABILITY = "remedyProposals"
APPLY_FIX, REJECT_FIX = "Remedy: apply fix", "Remedy: reject fix"
PROPOSED_FIX = "proposed-fix"          # the diagnostics' code
SOURCE = "remedy"
log = logging.getLogger(__name__)


def is_rich(ls: "RemedyServer") -> bool:
    experimental = ls.client_capabilities.experimental
    return isinstance(experimental, dict) and experimental.get(RICH_CAPABILITY) is True


def _placed(ls: "RemedyServer", root: Path, path: str,
            text: str) -> Iterator[tuple[PendingProposal, Hunk, int]]:
    """The pending hunks of `path` where they stand in `text` now; a stale one is left out."""
    for pending, hunk in ls.proposals.for_file(root, path):
        try:
            yield pending, hunk, locate(hunk, pending.proposal.base_texts.get(path), text,
                                        pending.expected_start(hunk))
        except StaleHunk:
            continue


def _lines_range(lines: list[str], start: int, hunk: Hunk) -> types.Range:
    """The lines a hunk replaces, without the break after the last (an insertion: its spot)."""
    end = start + (hunk.end_line - hunk.start_line)
    if end <= start:
        return types.Range(start=types.Position(line=start, character=0),
                           end=types.Position(line=start, character=0))
    return types.Range(start=types.Position(line=start, character=0),
                       end=convert.line_range(lines, end - 1).end)


def _message(pending: PendingProposal, hunk: Hunk) -> str:
    change = "".join(f"- {line}" for line in hunk.old_text.splitlines(keepends=True))
    change += "".join(f"+ {line}" for line in hunk.new_text.splitlines(keepends=True))
    return (f"Remedy proposes: {pending.proposal.summary} (code actions: {APPLY_FIX!r}, "
            f"{REJECT_FIX!r})\n{change}").rstrip("\n")


def hunk_diagnostics(ls: "RemedyServer", root: Path, path: str, text: str) -> list[types.Diagnostic]:
    if is_rich(ls):
        return []
    lines = text.splitlines()
    return [types.Diagnostic(
        range=_lines_range(lines, start, hunk), severity=types.DiagnosticSeverity.Information,
        source=SOURCE, code=PROPOSED_FIX, message=_message(pending, hunk),
        data={"proposalId": pending.id, "hunkId": hunk.id})
        for pending, hunk, start in _placed(ls, root, path, text)]


def hunk_actions(ls: "RemedyServer", root: Path, path: str, text: str,
                 rng: types.Range) -> list[types.CodeAction]:
    """"Remedy: apply fix" / "Remedy: reject fix" for each pending hunk on the lines of `rng`."""
    lines = text.splitlines()
    found: list[types.CodeAction] = []
    for pending, hunk, start in _placed(ls, root, path, text):
        span = _lines_range(lines, start, hunk)
        if rng.start.line > span.end.line or rng.end.line < span.start.line:
            continue
        ids = {"proposalId": pending.id, "hunkId": hunk.id}
        hunk_args = HunkArgs(proposal_id=pending.id, hunk_id=hunk.id)
        diagnostic = types.Diagnostic(range=span, message=_message(pending, hunk), source=SOURCE,
                                      severity=types.DiagnosticSeverity.Information, code=PROPOSED_FIX,
                                      data=ids)
        for title, command, preferred in ((APPLY_FIX, ACCEPT_HUNK, True), (REJECT_FIX, REJECT_HUNK, False)):
            found.append(types.CodeAction(
                title=title, kind=types.CodeActionKind.QuickFix, is_preferred=preferred,
                diagnostics=[diagnostic],
                command=types.Command(title=title, command=command, arguments=[hunk_args])))
    return found


async def announce(ls: "RemedyServer", pending: PendingProposal, tests: list[str], background: bool) -> None:
    """Tell a plain client a fix waits: a fix the user asked for is shown, a background one is
    said in one message (a rich client hears of both through `remedy/proposal`)."""
    if is_rich(ls) or not pending.pending():
        return
    first = pending.pending()[0]
    if not background:
        from .review import reveal
        try:
            if await reveal(ls, pending):
                return
        except Exception as exc:      # a client that fails showDocument still gets the message
            log.warning("window/showDocument failed: %s", exc)
    names = ", ".join(node_function(t) or t for t in tests) or "the failing tests"
    ls.show(f"a fix for {names} waits for review at {first.path}:{pending.expected_start(first) + 1}: "
            f"{pending.proposal.summary} (code action {APPLY_FIX!r} there, or the lens \"Accept\")")
