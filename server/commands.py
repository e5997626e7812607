"""`workspace/executeCommand` handlers. Every command takes one object in a one-element list
(`[{"uri": ..., "testId": ...}]`); malformed arguments, unknown ids and URIs outside the workspace
become a JSON-RPC InvalidParams error with a one-line message, never a crash."""
from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any, Awaitable, Callable

from pygls.exceptions import JsonRpcInvalidParams

from agent import BadInput, find_tests, is_test_file

from . import convert, review
from .actions import SHOW_PROPOSAL
from .lenses import ACCEPT_HUNK, ACCEPT_PROPOSAL, FIX_TEST, REJECT_HUNK, REJECT_PROPOSAL

if TYPE_CHECKING:
    from .server import RemedyServer

__all__ = ["register", "CANCEL"]

CANCEL = "remedy.cancel"


def one_object(args: tuple[Any, ...], required: tuple[str, ...]) -> dict[str, Any]:
    if len(args) != 1 or not isinstance(args[0], dict):
        raise BadInput(f"expected one object argument with {', '.join(required)}")
    arg = args[0]
    for key in required:
        if not isinstance(arg.get(key), str) or not arg[key]:
            raise BadInput(f"missing or non-string {key!r}")
    return arg


async def fix_test(ls: "RemedyServer", args: tuple[Any, ...]) -> dict[str, Any]:
    arg = one_object(args, ("uri",))
    uri = arg["uri"]
    root = ls.root_for(uri)
    path = convert.relative_path(root, uri)
    text, _ = ls.document(uri)
    if not path.endswith(".py"):
        raise BadInput(f"not a Python file: {path}")
    test_id = _test_id(arg, path, text)
    job = ls.jobs.submit(root, [test_id], ls.config, uri=uri)
    return {"jobId": job.id, "state": job.state.value}


def _test_id(arg: dict[str, Any], path: str, text: str) -> str:
    tests = find_tests(text)
    if arg.get("testId") is not None:
        test_id = arg["testId"]
        if not isinstance(test_id, str):
            raise BadInput("testId must be a string")
        file_part, sep, suffix = test_id.partition("::")
        if not sep:
            file_part, suffix = path, test_id
        if file_part != path:
            raise BadInput(f"test {test_id} is not in {path}")
        if suffix.split("[", 1)[0] not in {t.node_id for t in tests}:
            raise BadInput(f"no test {suffix!r} in {path}")
        return f"{path}::{suffix}"
    if arg.get("position") is not None:
        position = convert.position_from_json(arg["position"])
        for test in tests:
            if test.def_start_line <= position.line <= test.def_end_line:
                return f"{path}::{test.node_id}"
        raise BadInput(f"line {position.line + 1} of {path} is not inside a test: "
                       "put the cursor in a test function, or use its \"Fix this test\" lens")
    if not is_test_file(path):
        raise BadInput(f"{path} is not a test file; name a testId")
    return path


def cancel(ls: "RemedyServer", args: tuple[Any, ...]) -> dict[str, Any]:
    job_id = one_object(args, ("jobId",))["jobId"]
    job = ls.jobs.get(job_id)
    if job is None:
        raise BadInput(f"unknown job {job_id!r}")
    ls.jobs.cancel(job)
    return {"jobId": job.id, "state": job.state.value}


async def accept_hunk(ls: "RemedyServer", args: tuple[Any, ...]) -> dict[str, Any]:
    arg = one_object(args, ("proposalId", "hunkId"))
    pending = ls.proposals.get(arg["proposalId"])
    return await review.accept(ls, pending, [pending.hunk(arg["hunkId"])])


def reject_hunk(ls: "RemedyServer", args: tuple[Any, ...]) -> dict[str, Any]:
    arg = one_object(args, ("proposalId", "hunkId"))
    pending = ls.proposals.get(arg["proposalId"])
    return review.reject(ls, pending, [pending.hunk(arg["hunkId"])])


async def accept_proposal(ls: "RemedyServer", args: tuple[Any, ...]) -> dict[str, Any]:
    pending = ls.proposals.get(one_object(args, ("proposalId",))["proposalId"])
    return await review.accept(ls, pending, pending.pending())


def reject_proposal(ls: "RemedyServer", args: tuple[Any, ...]) -> dict[str, Any]:
    pending = ls.proposals.get(one_object(args, ("proposalId",))["proposalId"])
    return review.reject(ls, pending, pending.pending())


async def show_proposal(ls: "RemedyServer", args: tuple[Any, ...]) -> dict[str, Any]:
    return await review.show(ls, ls.proposals.get(one_object(args, ("proposalId",))["proposalId"]))


COMMANDS: dict[str, Callable[..., Any]] = {
    FIX_TEST: fix_test, CANCEL: cancel, ACCEPT_HUNK: accept_hunk, REJECT_HUNK: reject_hunk,
    ACCEPT_PROPOSAL: accept_proposal, REJECT_PROPOSAL: reject_proposal, SHOW_PROPOSAL: show_proposal,
}


def register(server: "RemedyServer") -> None:
    for name, handler in COMMANDS.items():
        server.command(name)(_entry(handler))


def _entry(handler: Callable[..., Any]) -> Callable[..., Awaitable[Any]]:
    """pygls passes the raw arguments (unannotated *args); BadInput becomes InvalidParams."""
    async def entry(ls, *args):  # unannotated: pygls would convert annotated arguments itself
        try:
            result = handler(ls, args)
            return await result if inspect.isawaitable(result) else result
        except BadInput as exc:
            raise JsonRpcInvalidParams(message=str(exc)) from None
    entry.__name__, entry.__doc__ = handler.__name__, handler.__doc__
    return entry
