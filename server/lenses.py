"""Code lenses: "Fix this test" above every pytest test function and method (found with
tree-sitter by `agent.find_tests`), and above each hunk of a pending proposal "Accept | Reject",
plus "Accept all | Reject all" above the proposal's first hunk in the file."""
from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types

from agent import find_tests, is_test_file
from agent.errors import BadInput

from . import convert
from .proposals import StaleHunk, locate

if TYPE_CHECKING:
    from .server import RemedyServer

__all__ = ["code_lens", "FIX_TEST", "ACCEPT_HUNK", "REJECT_HUNK", "ACCEPT_PROPOSAL", "REJECT_PROPOSAL"]

FIX_TEST = "remedy.fixTest"
ACCEPT_HUNK, REJECT_HUNK = "remedy.acceptHunk", "remedy.rejectHunk"
ACCEPT_PROPOSAL, REJECT_PROPOSAL = "remedy.acceptProposal", "remedy.rejectProposal"


def code_lens(ls: "RemedyServer", params: types.CodeLensParams) -> list[types.CodeLens]:
    uri = params.text_document.uri
    try:
        root = ls.root_for(uri)
        path = convert.relative_path(root, uri)
        text, _ = ls.document(uri)
    except BadInput:
        return []
    lines = text.splitlines()
    found = _proposal_lenses(ls, root, path, text)
    if is_test_file(path):
        for test in find_tests(text):
            found.append(types.CodeLens(
                range=convert.name_range(lines, test.line, test.start_col, test.end_col),
                command=types.Command(title="Fix this test", command=FIX_TEST,
                                      arguments=[{"uri": uri, "testId": f"{path}::{test.node_id}"}])))
    return found


def _proposal_lenses(ls: "RemedyServer", root, path: str, text: str) -> list[types.CodeLens]:
    found: list[types.CodeLens] = []
    seen: set[str] = set()
    for pending, hunk in ls.proposals.for_file(root, path):
        try:
            start = locate(hunk, pending.proposal.base_texts.get(path), text, pending.expected_start(hunk))
            stale = ""
        except StaleHunk:
            start, stale = pending.expected_start(hunk), " (stale)"
        rng = convert.hunk_range(start, start)
        ids = {"proposalId": pending.id, "hunkId": hunk.id}
        if pending.id not in seen:
            seen.add(pending.id)
            whole = {"proposalId": pending.id}
            found.append(types.CodeLens(range=rng, command=types.Command(
                title=f"Remedy: {pending.proposal.summary} — Accept all", command=ACCEPT_PROPOSAL,
                arguments=[whole])))
            found.append(types.CodeLens(range=rng, command=types.Command(
                title="Reject all", command=REJECT_PROPOSAL, arguments=[whole])))
        found.append(types.CodeLens(range=rng, command=types.Command(
            title=f"Accept{stale}", command=ACCEPT_HUNK, arguments=[ids])))
        found.append(types.CodeLens(range=rng, command=types.Command(
            title="Reject", command=REJECT_HUNK, arguments=[ids])))
    return found
