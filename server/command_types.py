"""Every command this server executes (`workspace/executeCommand`): its id, and the typed argument it
takes. The extension sends the same ids (extension/src/protocol.ts `ServerCommand`).

An argument is one object in a one-element list, camelCase on the wire (`[{"proposalId": "p1",
"hunkId": "h2"}]`, the attrs field `hunk_id`). pygls structures it into the class below with the
converter that `converter()` builds, before any handler runs; an object that does not fit is refused
with a one-line reason (BadInput, answered InvalidParams by server/protocol.py). Lenses and code
actions put instances of the same classes in their commands, so both directions share one shape."""
from __future__ import annotations

from typing import Any, Callable

import attrs
import cattrs
from lsprotocol import types
from pygls.protocol import default_converter

from agent import BadInput

from . import convert

__all__ = ["FIX_TEST", "ACCEPT_HUNK", "REJECT_HUNK", "ACCEPT_PROPOSAL", "REJECT_PROPOSAL", "SHOW_PROPOSAL",
           "CANCEL", "FixTestArgs", "HunkArgs", "ProposalArgs", "JobArgs", "ARGUMENTS", "converter",
           "expected_one_object"]

FIX_TEST = "remedy.fixTest"
ACCEPT_HUNK, REJECT_HUNK = "remedy.acceptHunk", "remedy.rejectHunk"
ACCEPT_PROPOSAL, REJECT_PROPOSAL = "remedy.acceptProposal", "remedy.rejectProposal"
SHOW_PROPOSAL = "remedy.showProposal"
CANCEL = "remedy.cancel"


@attrs.frozen
class FixTestArgs:
    """Fix a test of the file `uri`: the one `test_id` names (a node id, or a test name in that file),
    or the one around `position` (the cursor); with neither, every failing test of a test file."""
    uri: str
    test_id: str | None = None
    position: types.Position | None = None


@attrs.frozen
class HunkArgs:
    """Accept or reject one hunk of a pending proposal."""
    proposal_id: str
    hunk_id: str


@attrs.frozen
class ProposalArgs:
    """Accept, reject or show again a whole pending proposal."""
    proposal_id: str


@attrs.frozen
class JobArgs:
    """Cancel a running repair job."""
    job_id: str


ARGUMENTS: dict[str, type] = {
    FIX_TEST: FixTestArgs, CANCEL: JobArgs, ACCEPT_HUNK: HunkArgs, REJECT_HUNK: HunkArgs,
    ACCEPT_PROPOSAL: ProposalArgs, REJECT_PROPOSAL: ProposalArgs, SHOW_PROPOSAL: ProposalArgs,
}


def converter() -> cattrs.Converter:
    """pygls' converter (lsprotocol's hooks), which also structures the arguments above strictly:
    a string field takes only a string, never the `str()` of whatever arrived."""
    conv = default_converter()
    for cls in set(ARGUMENTS.values()):
        conv.register_structure_hook(cls, _structure_hook(cls))
    return conv


def expected_one_object(cls: type) -> str:
    return f"expected one object argument with {', '.join(_required_keys(cls))}"


def _camel(name: str) -> str:
    first, *rest = name.split("_")
    return first + "".join(part.title() for part in rest)


def _required_keys(cls: type) -> list[str]:
    return [_camel(f.name) for f in attrs.fields(cls) if f.default is attrs.NOTHING]


def _required_text(key: str, value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise BadInput(f"missing or non-string {key!r}")
    return value


def _optional_text(key: str, value: Any) -> str | None:
    if value is not None and not isinstance(value, str):
        raise BadInput(f"{key} must be a string")
    return value


def _optional_position(key: str, value: Any) -> types.Position | None:
    return None if value is None else convert.position_from_json(value)


_FIELD_CHECKS: dict[Any, Callable[[str, Any], Any]] = {
    str: _required_text, str | None: _optional_text, types.Position | None: _optional_position,
}


def _structure_hook(cls: type) -> Callable[[Any, type], Any]:
    fields = [(f.name, _camel(f.name), _FIELD_CHECKS[f.type]) for f in attrs.fields(attrs.resolve_types(cls))]

    def structure(value: Any, _: type) -> Any:
        if not isinstance(value, dict):
            raise BadInput(expected_one_object(cls))
        return cls(**{name: check(key, value.get(key)) for name, key, check in fields})
    return structure
