"""Code lenses: "Fix this test" above every pytest test function and method (found with
tree-sitter by `agent.find_tests`), and above each hunk of a pending proposal "Accept | Reject",
plus "Accept all | Reject all" above the proposal's first hunk in the file.

Editors ask for lenses on every keystroke and scroll, so the "Fix this test" lenses of an open
document are computed once per (uri, version) and kept until the next version arrives."""
from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types

from agent import BadInput, find_tests, is_test_file

from . import convert
from .command_types import (ACCEPT_HUNK, ACCEPT_PROPOSAL, FIX_TEST, REJECT_HUNK, REJECT_PROPOSAL, FixTestArgs,
                            HunkArgs, ProposalArgs)
from .proposals import StaleHunk, locate

if TYPE_CHECKING:
    from .server import RemedyServer

__all__ = ["code_lens"]


def code_lens(ls: "RemedyServer", params: types.CodeLensParams) -> list[types.CodeLens]:
    uri = params.text_document.uri
    try:
        root = ls.root_for(uri)
        path = convert.relative_path(root, uri)
        text, version = ls.document(uri)
    except BadInput:
        return []
    found = _proposal_lenses(ls, root, path, text)
    if is_test_file(path):
        cached = ls.test_lens_cache.get(uri)
        if version is None or cached is None or cached[0] != (root, version):
            cached = ((root, version), _test_lenses(uri, path, text))
            if version is not None:           # a file read from disk has no version to key on
                ls.test_lens_cache[uri] = cached
        found.extend(cached[1])
    return found


def _test_lenses(uri: str, path: str, text: str) -> list[types.CodeLens]:
    lines = text.splitlines()
    return [types.CodeLens(
        range=convert.name_range(lines, test.line, test.start_col, test.end_col),
        command=types.Command(title="Fix this test", command=FIX_TEST,
                              arguments=[FixTestArgs(uri=uri, test_id=f"{path}::{test.node_id}")]))
        for test in find_tests(text)]


def _proposal_lenses(ls: "RemedyServer", root, path: str, text: str) -> list[types.CodeLens]:
    found: list[types.CodeLens] = []
    seen: set[str] = set()
    for pending, hunk in ls.proposals.for_file(root, path):
        try:
            start = locate(hunk, pending.proposal.base_texts.get(path), text, pending.expected_start(hunk))
            stale = ""
        except StaleHunk:
            start, stale = pending.expected_start(hunk), " (stale)"
        rng = convert.hunk_range(start, start + (hunk.end_line - hunk.start_line))
        ids = HunkArgs(proposal_id=pending.id, hunk_id=hunk.id)
        if pending.id not in seen:
            seen.add(pending.id)
            whole = ProposalArgs(proposal_id=pending.id)
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
