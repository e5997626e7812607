"""server.command_types: one table of command ids and their typed arguments, the same ids the
extension sends, and the arguments' wire shape (camelCase, one object) in both directions."""
import re
from pathlib import Path

import pytest
from lsprotocol import types

from agent import BadInput
from server import command_types as ct
from server.commands import HANDLERS

ROOT = Path(__file__).resolve().parent.parent


def test_every_command_has_a_handler_taking_its_argument_type():
    assert HANDLERS.keys() == ct.ARGUMENTS.keys()
    for name, handler in HANDLERS.items():
        assert handler.__annotations__["args"] == ct.ARGUMENTS[name].__name__, name


def test_no_other_server_module_spells_a_command_id():
    for path in sorted((ROOT / "server").glob("*.py")):
        if path.name != "command_types.py":
            text = path.read_text(encoding="utf-8")
            assert not [name for name in ct.ARGUMENTS if f'"{name}"' in text], path.name


def test_the_extension_sends_the_same_ids():
    source = (ROOT / "extension" / "src" / "protocol.ts").read_text(encoding="utf-8")
    block = re.search(r"export const ServerCommand = \{(.*?)\}", source, re.S).group(1)
    sent = set(re.findall(r"'(remedy\.\w+)'", block))
    assert sent and sent <= ct.ARGUMENTS.keys()


@pytest.mark.parametrize("cls, wire", [
    (ct.FixTestArgs, {"uri": "file:///w/t.py", "testId": "t.py::test_a"}),
    (ct.FixTestArgs, {"uri": "file:///w/t.py", "position": {"line": 3, "character": 1}}),
    (ct.HunkArgs, {"proposalId": "p1", "hunkId": "h2"}),
    (ct.ProposalArgs, {"proposalId": "p1"}),
    (ct.JobArgs, {"jobId": "job-1"}),
])
def test_arguments_round_trip_their_wire_shape(cls, wire):
    converter = ct.converter()
    value = converter.structure(wire, cls)
    assert isinstance(value, cls)
    assert converter.unstructure(value) == wire


def test_a_command_in_a_lens_carries_the_same_shape():
    command = types.Command(title="Fix this test", command=ct.FIX_TEST,
                            arguments=[ct.FixTestArgs(uri="file:///w/t.py", test_id="t.py::test_a")])
    assert ct.converter().unstructure(command)["arguments"] == [{"uri": "file:///w/t.py", "testId": "t.py::test_a"}]


@pytest.mark.parametrize("cls, wire, message", [
    (ct.FixTestArgs, "t.py", "expected one object argument with uri"),
    (ct.FixTestArgs, None, "expected one object argument with uri"),
    (ct.FixTestArgs, {"uri": 5}, "missing or non-string 'uri'"),
    (ct.FixTestArgs, {"uri": ""}, "missing or non-string 'uri'"),
    (ct.FixTestArgs, {"uri": "u", "testId": 7}, "testId must be a string"),
    (ct.FixTestArgs, {"uri": "u", "position": "top"}, "position must be an object"),
    (ct.HunkArgs, {"proposalId": "p1"}, "missing or non-string 'hunkId'"),
    (ct.HunkArgs, [], "expected one object argument with proposalId, hunkId"),
    (ct.ProposalArgs, {"proposalId": 3}, "missing or non-string 'proposalId'"),
    (ct.JobArgs, {}, "missing or non-string 'jobId'"),
])
def test_an_argument_that_does_not_fit_is_refused_in_one_line(cls, wire, message):
    with pytest.raises(BadInput, match=re.escape(message)):
        ct.converter().structure(wire, cls)
