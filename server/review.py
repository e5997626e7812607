"""Reviewing a proposal: accept hunks (through `workspace/applyEdit`, versioned), reject them,
or show the proposal again. Every decision is recorded for the ranker (`agent.record_decision`)."""
from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from agent import Hunk, common_ends, record_decision

from . import convert, diagnostics
from .proposals import PendingProposal, StaleHunk, locate, text_edit
from .reporting import PROPOSAL

if TYPE_CHECKING:
    from .server import RemedyServer

__all__ = ["accept", "reject", "show", "reveal", "payload", "changed_range"]

log = logging.getLogger(__name__)


async def accept(ls: "RemedyServer", pending: PendingProposal, hunks: list[Hunk]) -> dict[str, Any]:
    """Apply `hunks` in one edit; all of them or none. A hunk that can no longer be placed
    refuses the whole request with a message, and stays pending."""
    by_uri: dict[str, list[Hunk]] = {}
    for hunk in hunks:
        by_uri.setdefault(convert.path_to_uri(pending.root / hunk.path), []).append(hunk)
    document_changes: list[types.TextDocumentEdit] = []
    changes: dict[str, list[types.TextEdit]] = {}
    placed: list[tuple[Hunk, str, int]] = []
    for uri, file_hunks in by_uri.items():
        text, version = ls.document(uri)
        edits = []
        for hunk in sorted(file_hunks, key=lambda h: h.start_line):
            try:
                start = locate(hunk, pending.proposal.base_texts.get(hunk.path), text,
                               pending.expected_start(hunk))
            except StaleHunk as exc:
                return _refused(ls, pending, str(exc))
            edits.append(text_edit(hunk, text, start))
            placed.append((hunk, uri, start + sum(_growth(h) for h, u, _ in placed if u == uri)))
        changes[uri] = edits
        document_changes.append(types.TextDocumentEdit(
            text_document=types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=version),
            edits=list(edits)))
    edit = (types.WorkspaceEdit(document_changes=document_changes) if _supports_document_changes(ls)
            else types.WorkspaceEdit(changes=changes))
    result = await ls.workspace_apply_edit_async(types.ApplyWorkspaceEditParams(
        edit=edit, label=f"Remedy: {pending.proposal.summary}"))
    if not result.applied:
        reason = result.failure_reason or "the editor did not apply the edit"
        return _refused(ls, pending, reason)
    for hunk in hunks:
        _decide(ls, pending, hunk, True)
    ls.aftercare.accepted(pending, placed)
    return {"applied": True, "hunks": [h.id for h in hunks], "pending": [h.id for h in pending.pending()]}


def reject(ls: "RemedyServer", pending: PendingProposal, hunks: list[Hunk]) -> dict[str, Any]:
    for hunk in hunks:
        _decide(ls, pending, hunk, False)
    return {"rejected": [h.id for h in hunks], "pending": [h.id for h in pending.pending()]}


async def show(ls: "RemedyServer", pending: PendingProposal) -> dict[str, Any]:
    """Send the proposal again and bring its first pending hunk into view."""
    ls.protocol.notify(PROPOSAL, payload(pending))
    return {"proposalId": pending.id, "shown": await reveal(ls, pending)}


def payload(pending: PendingProposal) -> dict[str, Any]:
    """`remedy/proposal` for a proposal sent again: only its hunks still pending."""
    sent = convert.proposal_payload(pending.root, pending.proposal, pending.job_id)
    waiting = {h.id for h in pending.pending()}
    sent["hunks"] = [h for h in sent["hunks"] if h["id"] in waiting]
    return sent


async def reveal(ls: "RemedyServer", pending: PendingProposal) -> bool:
    """Ask the editor to show the first pending hunk, selected (`window/showDocument`)."""
    first = pending.pending()[0] if pending.pending() else None
    window = ls.client_capabilities.window
    if first is None or window is None or window.show_document is None:
        return False
    result = await ls.window_show_document_async(types.ShowDocumentParams(
        uri=convert.path_to_uri(pending.root / first.path), take_focus=True,
        selection=changed_range(first, pending.expected_start(first))))
    return bool(result and result.success)


# Python's tokens, roughly: names and numbers, strings, multi-character operators, a run of spaces.
_TOKEN = re.compile(r"""\w+(?:\.\d+)?|"(?:\\.|[^"\\])*"?|'(?:\\.|[^'\\])*'?|\*\*=?|//=?|<<=?|>>=?|->|:="""
                    r"""|[-+*/%@&|^<>=!]=|\s+|.""")


def changed_range(hunk: Hunk, start: int) -> types.Range:
    """What `hunk` changes on its first changed line, to the token (`>` of `x > 0`, or the spot where
    `+ 1` goes); the hunk's whole lines when it only adds or removes lines."""
    old, new = hunk.old_text.splitlines(), hunk.new_text.splitlines()
    i = next((k for k, (a, b) in enumerate(zip(old, new)) if a != b), None)
    if i is None:
        return convert.hunk_range(start, start + len(old))
    a, b = _TOKEN.findall(old[i]), _TOKEN.findall(new[i])
    head, tail = common_ends(a, b)
    line = old[i]
    left, right = len("".join(a[:head])), len(line) - len("".join(a[len(a) - tail:]))
    while left < right and line[left].isspace():
        left += 1
    while right > left and line[right - 1].isspace():
        right -= 1
    return types.Range(start=types.Position(line=start + i, character=convert.utf16_column(line, left)),
                       end=types.Position(line=start + i, character=convert.utf16_column(line, right)))


def _growth(hunk: Hunk) -> int:
    """How many lines accepting `hunk` adds to its file (negative: removes)."""
    return len(hunk.new_text.splitlines()) - (hunk.end_line - hunk.start_line)


def _decide(ls: "RemedyServer", pending: PendingProposal, hunk: Hunk, accepted: bool) -> None:
    pending.mark(hunk, accepted)
    try:
        record_decision(pending.root, pending.id, hunk, accepted, pending.proposal.candidate)
    except OSError as exc:      # a read-only workspace must not block the review
        log.warning("could not record decision: %s", exc)
    ls.proposals.drop_if_decided(pending)
    diagnostics.publish(ls, pending.root, {hunk.path})
    ls.refresh_lenses()


def _refused(ls: "RemedyServer", pending: PendingProposal, reason: str) -> dict[str, Any]:
    message = f"fix {pending.id} not applied: {reason}"
    ls.show(message, types.MessageType.Warning)
    return {"applied": False, "message": message}


def _supports_document_changes(ls: "RemedyServer") -> bool:
    caps = ls.client_capabilities.workspace
    return bool(caps and caps.workspace_edit and caps.workspace_edit.document_changes)
