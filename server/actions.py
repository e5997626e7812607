"""Quick fixes: on Remedy's failing-test diagnostics "Fix this test", and "Review proposed fix"
when a proposal for that test is waiting for the user; on the lines of a pending hunk "Remedy:
apply fix" and "Remedy: reject fix" (plain_clients.py)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types

from agent import BadInput

from . import convert, plain_clients
from .command_types import FIX_TEST, SHOW_PROPOSAL, FixTestArgs, ProposalArgs
from .diagnostics import SOURCE

if TYPE_CHECKING:
    from .server import RemedyServer

__all__ = ["code_action"]


def code_action(ls: "RemedyServer", params: types.CodeActionParams) -> list[types.CodeAction]:
    uri = params.text_document.uri
    try:
        root = ls.root_for(uri)
    except BadInput:
        return []
    try:
        path = convert.relative_path(root, uri)
        text, _ = ls.document(uri)
        found = plain_clients.hunk_actions(ls, root, path, text, params.range)
    except BadInput:
        found = []
    for diag in params.context.diagnostics:
        test_id = diag.data.get("testId") if diag.source == SOURCE and isinstance(diag.data, dict) else None
        if not isinstance(test_id, str):
            continue
        found.append(types.CodeAction(
            title="Fix this test", kind=types.CodeActionKind.QuickFix, diagnostics=[diag],
            command=types.Command(title="Fix this test", command=FIX_TEST,
                                  arguments=[FixTestArgs(uri=uri, test_id=test_id)])))
        pending = ls.proposals.for_test(root, test_id)
        if pending is not None:
            found.append(types.CodeAction(
                title="Review proposed fix", kind=types.CodeActionKind.QuickFix, diagnostics=[diag],
                is_preferred=True,
                command=types.Command(title="Review proposed fix", command=SHOW_PROPOSAL,
                                      arguments=[ProposalArgs(proposal_id=pending.id)])))
    return found
