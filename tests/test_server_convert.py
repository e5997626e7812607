"""server.convert: UTF-16 columns, URIs and paths, hunk ranges and payloads."""

import pytest

from agent.errors import BadInput
from agent import events
from agent.types import Hunk, Proposal
from server import convert


@pytest.mark.parametrize("line, index, expected", [
    ("abc", 2, 2),
    ("é = 1", 1, 1),            # BMP: one unit per character
    ("x = '😀' + y", 5, 5),      # before the emoji
    ("x = '😀' + y", 6, 7),      # after it: a surrogate pair counts twice
    ("😀😀z", 3, 5),
])
def test_utf16_column(line, index, expected):
    assert convert.utf16_column(line, index) == expected


def test_uri_round_trip(tmp_path):
    path = tmp_path / "a dir" / "ünï.py"
    uri = convert.path_to_uri(path)
    assert "%20" in uri
    assert convert.uri_to_path(uri) == path


@pytest.mark.parametrize("uri", ["untitled:Untitled-1", "https://example.com/x.py", "", None, 3,
                                 "file://otherhost/x.py"])
def test_uri_to_path_rejects_non_files(uri):
    with pytest.raises(BadInput):
        convert.uri_to_path(uri)


def test_relative_path_inside_and_outside(tmp_path):
    root = tmp_path / "ws"
    assert convert.relative_path(root, (root / "pkg" / "m.py").as_uri()) == "pkg/m.py"
    with pytest.raises(BadInput, match="outside the workspace"):
        convert.relative_path(root, (tmp_path / "elsewhere.py").as_uri())
    with pytest.raises(BadInput):
        convert.relative_path(root, (root / ".." / "ws2" / "x.py").as_uri())


def test_name_range_is_utf16():
    lines = ["def test_😀x(): pass"]
    rng = convert.name_range(lines, 1, 4, 11)   # agent's line 1, "test_😀x" in str indices
    assert (rng.start.line, rng.start.character, rng.end.character) == (0, 4, 12)


def test_proposal_payload(tmp_path):
    hunk = Hunk("h1", "calc/m.py", 3, 4, "    return a < b\n", "    return a <= b\n")
    proposal = Proposal("p1", "diff", ["calc/m.py"], [hunk], "use <=", energy=-1.5, probability=0.734561,
                        tests={"passed": ["t"], "failed": []}, base_texts={"calc/m.py": "x"})
    payload = convert.proposal_payload(tmp_path, proposal, "job-1")
    assert payload["proposalId"] == "p1" and payload["jobId"] == "job-1"
    assert payload["uri"] == (tmp_path / "calc/m.py").as_uri()
    assert payload["hunks"] == [{"id": "h1", "uri": (tmp_path / "calc/m.py").as_uri(),
                                 "range": {"start": {"line": 3, "character": 0},
                                           "end": {"line": 4, "character": 0}},
                                 "oldText": "    return a < b\n", "newText": "    return a <= b\n"}]
    assert payload["energy"] == -1.5 and payload["tests"]["passed"] == ["t"]
    assert payload["confidence"] == 0.7346
    unranked = Proposal("p2", "diff", ["calc/m.py"], [hunk], "use <=", probability=float("nan"))
    assert convert.proposal_payload(tmp_path, unranked, "job-2")["confidence"] is None


def test_event_payload():
    payload = convert.event_payload("job-2", events.TestsRan("reproduce", ["a"], [{"testId": "b"}]))
    assert payload == {"jobId": "job-2", "type": "TestsRan",
                       "data": {"purpose": "reproduce", "passed": ["a"], "failed": [{"testId": "b"}]}}
    assert convert.event_payload("j", events.Error("boom"))["data"] == {"message": "boom", "kind": "error"}


@pytest.mark.parametrize("value", [None, [], {"line": -1}, {"line": "3"}, {"line": True}, {"character": 2}])
def test_position_from_json_rejects(value):
    with pytest.raises(BadInput):
        convert.position_from_json(value)
