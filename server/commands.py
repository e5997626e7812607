"""`workspace/executeCommand` handlers, one per command of server/command_types.py. pygls hands each
its typed argument (structured from the one object in the one-element list); a refusal, like an
unknown proposal or a URI outside the workspace, becomes a JSON-RPC InvalidParams error with a
one-line message, never a crash."""
from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any, Awaitable, Callable

from pygls.exceptions import JsonRpcInvalidParams

from agent import BadInput, find_tests, is_test_file

from . import convert, review
from .command_types import (ACCEPT_HUNK, ACCEPT_PROPOSAL, ARGUMENTS, CANCEL, FIX_TEST, REJECT_HUNK,
                            REJECT_PROPOSAL, SHOW_PROPOSAL, FixTestArgs, HunkArgs, JobArgs, ProposalArgs)

if TYPE_CHECKING:
    from .server import RemedyServer

__all__ = ["register"]


async def fix_test(ls: "RemedyServer", args: FixTestArgs) -> dict[str, Any]:
    root = ls.root_for(args.uri)
    path = convert.relative_path(root, args.uri)
    text, _ = ls.document(args.uri)
    if not path.endswith(".py"):
        raise BadInput(f"not a Python file: {path}")
    test_id = _test_id(args, path, text)
    job = ls.jobs.submit(root, [test_id], ls.config, uri=args.uri)
    return {"jobId": job.id, "state": job.state.value}


def _test_id(args: FixTestArgs, path: str, text: str) -> str:
    tests = find_tests(text)
    if args.test_id is not None:
        file_part, sep, suffix = args.test_id.partition("::")
        if not sep:
            file_part, suffix = path, args.test_id
        if file_part != path:
            raise BadInput(f"test {args.test_id} is not in {path}")
        if suffix.split("[", 1)[0] not in {t.node_id for t in tests}:
            raise BadInput(f"no test {suffix!r} in {path}")
        return f"{path}::{suffix}"
    if args.position is not None:
        for test in tests:
            if test.def_start_line <= args.position.line + 1 <= test.def_end_line:   # 1-based
                return f"{path}::{test.node_id}"
        raise BadInput(f"line {args.position.line + 1} of {path} is not inside a test: "
                       "put the cursor in a test function, or use its \"Fix this test\" lens")
    if not is_test_file(path):
        raise BadInput(f"{path} is not a test file; name a testId")
    return path


def cancel(ls: "RemedyServer", args: JobArgs) -> dict[str, Any]:
    job = ls.jobs.get(args.job_id)
    if job is None:
        raise BadInput(f"unknown job {args.job_id!r}")
    ls.jobs.cancel(job)
    return {"jobId": job.id, "state": job.state.value}


async def accept_hunk(ls: "RemedyServer", args: HunkArgs) -> dict[str, Any]:
    pending = ls.proposals.get(args.proposal_id)
    return await review.accept(ls, pending, [pending.hunk(args.hunk_id)])


def reject_hunk(ls: "RemedyServer", args: HunkArgs) -> dict[str, Any]:
    pending = ls.proposals.get(args.proposal_id)
    return review.reject(ls, pending, [pending.hunk(args.hunk_id)])


async def accept_proposal(ls: "RemedyServer", args: ProposalArgs) -> dict[str, Any]:
    pending = ls.proposals.get(args.proposal_id)
    return await review.accept(ls, pending, pending.pending())


def reject_proposal(ls: "RemedyServer", args: ProposalArgs) -> dict[str, Any]:
    pending = ls.proposals.get(args.proposal_id)
    return review.reject(ls, pending, pending.pending())


async def show_proposal(ls: "RemedyServer", args: ProposalArgs) -> dict[str, Any]:
    return await review.show(ls, ls.proposals.get(args.proposal_id))


HANDLERS: dict[str, Callable[..., Any]] = {
    FIX_TEST: fix_test, CANCEL: cancel, ACCEPT_HUNK: accept_hunk, REJECT_HUNK: reject_hunk,
    ACCEPT_PROPOSAL: accept_proposal, REJECT_PROPOSAL: reject_proposal, SHOW_PROPOSAL: show_proposal,
}


def register(server: "RemedyServer") -> None:
    for name, handler in HANDLERS.items():
        server.command(name)(_entry(handler, ARGUMENTS[name]))


def _entry(handler: Callable[..., Any], argument: type) -> Callable[..., Awaitable[Any]]:
    """The handler as pygls calls it: the annotation of `args` tells pygls which class to structure
    the argument into; BadInput becomes InvalidParams."""
    async def entry(ls, args):
        try:
            result = handler(ls, args)
            return await result if inspect.isawaitable(result) else result
        except BadInput as exc:
            raise JsonRpcInvalidParams(message=str(exc)) from None
    entry.__annotations__ = {"args": argument}
    entry.__name__, entry.__doc__ = handler.__name__, handler.__doc__
    return entry
