"""The decision loop (issue 23): what the user accepts in a project changes the next ranking there.

Real sessions (agent.session.run_repair: real pytest, real ranker) on a hand-made project whose
bugs all have one shape (`tests/fixtures/learning/off_by_one_bugs.json`): the decisions go through
`agent.record_decision`, the server's own call, into the learning store under `.remedy/`."""
from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import pytest

from agent import record_decision
from agent.config import Config
from agent.events import ProposalReady, Validation
from agent.memory.learning import project_model
from agent.memory.store import STORE_FILE, open_store
from agent.rank.shape import shape_of

BUGS = json.loads((Path(__file__).parent / "fixtures" / "learning" / "off_by_one_bugs.json").read_text())["bugs"]
SHAPE = "off_by_one|A - 1 -> A"

pytestmark = pytest.mark.slow


def _write(root: Path, bug: dict) -> None:
    (root / "calc.py").write_text(bug["source"])
    (root / "test_calc.py").write_text(bug["test"])


def _session(root: Path):
    """(validations in validation order, the proposal or None) of one session."""
    async def go():
        vals, proposal = [], None
        async for ev in _repair(root):
            if isinstance(ev, Validation) and ev.stage == "target":
                vals.append(ev)
            elif isinstance(ev, ProposalReady):
                proposal = ev.proposal
        return sorted(vals, key=lambda v: v.position), proposal
    return asyncio.run(go())


def _repair(root: Path):
    from agent.session import run_repair
    return run_repair(root, config=Config(time_budget=60))


def _first_of_shape(vals, root: Path, bug: dict) -> int:
    """The validation position of the first candidate of SHAPE (the fix of every bug here)."""
    plausible = [v for v in vals if v.plausible]
    assert plausible, [v.description for v in vals]
    return plausible[0].position


def test_five_accepts_of_one_shape_validate_it_first_and_rejecting_undoes_it(tmp_path):
    root = tmp_path / "proj"
    root.mkdir()
    target = BUGS[5]
    _write(root, target)
    shipped, _ = _session(root)
    before = _first_of_shape(shipped, root, target)
    assert before > 1, [v.description for v in shipped]     # the shipped ranker puts others first
    assert project_model(root) is None                       # nothing decided yet

    accepted = []
    for bug in BUGS[:5]:
        _write(root, bug)
        _, proposal = _session(root)
        assert proposal is not None and proposal.candidate is not None
        assert shape_of(proposal.candidate, {"calc.py": bug["source"].encode()}) == SHAPE
        for hunk in proposal.hunks:
            record_decision(root, proposal.id, hunk, True, proposal.candidate)
        accepted.append(proposal)
    model = project_model(root)
    assert model is not None and model.shape_counts[SHAPE] == 5

    _write(root, target)
    learned, proposal = _session(root)
    assert learned[0].plausible and _first_of_shape(learned, root, target) == 1, \
        [(v.position, v.description) for v in learned]
    assert proposal is not None and proposal.candidate is not None
    assert shape_of(proposal.candidate, {"calc.py": target["source"].encode()}) == SHAPE

    for proposal in accepted:                   # the user undoes every one of those accepts
        for hunk in proposal.hunks:
            record_decision(root, proposal.id, hunk, False, proposal.candidate, undone=True)
    model = project_model(root)
    assert model is not None and model.shape_counts[SHAPE] == -5
    undone, _ = _session(root)
    assert _first_of_shape(undone, root, target) >= before, [(v.position, v.description) for v in undone]


def test_apply_labels_the_fix_accepted_and_the_store_stays_out_of_git(tmp_path):
    """`remedy fix --apply` teaches the store; `.remedy/` never shows in `git status`."""
    root = tmp_path / "proj"
    root.mkdir()
    _write(root, BUGS[0])
    for args in (["init", "-q"], ["add", "-A"], ["-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "bug"]):
        subprocess.run(["git", *args], cwd=root, check=True)
    done = subprocess.run([str(Path(sys.executable).parent / "remedy"), "fix", "--root", str(root), "--apply", "--json"],
                          capture_output=True, text=True, timeout=180)
    assert json.loads(done.stdout)["status"] == "fixed", done.stdout + done.stderr
    sets = open_store(root).sets()
    assert [(s.source, s.label, s.shape) for s in sets] == [("apply", True, SHAPE)]
    status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=root,
                            capture_output=True, text=True, check=True).stdout.splitlines()
    assert status == [" M calc.py"], status


def test_a_corrupt_store_is_rebuilt_with_one_warning_line(tmp_path):
    root = tmp_path / "proj"
    root.mkdir()
    _write(root, BUGS[0])
    (root / STORE_FILE).parent.mkdir()
    (root / STORE_FILE).write_bytes(b"not a database\n" * 200)
    done = subprocess.run([str(Path(sys.executable).parent / "remedy"), "fix", "--root", str(root), "--json"],
                          capture_output=True, text=True, timeout=180)
    assert json.loads(done.stdout)["status"] == "fixed", done.stdout + done.stderr
    warned = [line for line in done.stderr.splitlines() if "learning store" in line]
    assert len(warned) == 1 and "set it aside" in warned[0], done.stderr
    assert "Traceback" not in done.stderr
    assert (root / ".remedy" / "learning.sqlite.corrupt").exists()
    assert open_store(root).count("decision") == 1          # the new store took the proposal
