"""agent.memory.decisions: accept/reject decisions appended as JSONL for the ranker."""
from agent import record_decision
from agent.memory.decisions import read_decisions
from agent.types import Candidate, Edit, Hunk


def test_decisions_append_jsonl(tmp_path):
    hunk = Hunk("h1", "m.py", 2, 3, "a < b\n", "a <= b\n")
    cand = Candidate((Edit("m.py", 10, 11, "<="),), "operator.comparison", "m.py", 3, "use <=", id="c1")
    path = record_decision(tmp_path, "p1", hunk, True, cand)
    record_decision(tmp_path, "p1", hunk, False, None)
    assert path == tmp_path / ".remedy" / "decisions.jsonl"
    assert len(path.read_text().splitlines()) == 2
    first, second = read_decisions(tmp_path)
    assert first["accepted"] is True and second["accepted"] is False
    assert first["hunk"]["new_text"] == "a <= b\n"
    assert first["candidate"]["template"] == "operator.comparison"
    assert first["candidate"]["edits"][0]["text"] == "<="
    assert second["candidate"] is None
