"""`remedy learn` (issue 23): a real git repository whose history holds fixes of one shape; the
fixes are replayed, labelled and stored, the next run starts after them, and a session on a new bug
of that shape validates the shape earlier than the shipped ranker alone."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import first_plausible
from agent.memory.store import open_store

BUGS = json.loads((Path(__file__).parent / "fixtures" / "learning" / "off_by_one_bugs.json").read_text())["bugs"]
REMEDY = str(Path(sys.executable).parent / "remedy")
SHAPE = "A - 1 -> A"

pytestmark = pytest.mark.slow


def _git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.email=t@t", "-c", "user.name=t", "-c", "commit.gpgsign=false", *args],
                          cwd=root, check=True, capture_output=True, text=True).stdout.strip()


def _commit(root: Path, files: dict[str, str], message: str) -> str:
    for name, text in files.items():
        (root / name).write_text(text)
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", message)
    return _git(root, "rev-parse", "HEAD")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """Each of four modules is written with its bug, then fixed by a commit of its own."""
    root = tmp_path / "proj"
    root.mkdir()
    _git(root, "init", "-q")
    _commit(root, {"README.txt": "a project\n"}, "start")
    for i, bug in enumerate(BUGS[:4]):
        name = f"mod{i}.py"
        _commit(root, {name: bug["source"], f"test_mod{i}.py": bug["test"].replace("from calc", f"from mod{i}")},
                f"add mod{i}")
        fixed = bug["source"].replace(" - 1", "", 1)
        _commit(root, {name: fixed}, f"fix mod{i}: the bound was one short")
    return root


def _learn(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([REMEDY, "learn", *args, "--json"], capture_output=True, text=True, timeout=300)


def test_learn_replays_fix_commits_then_resumes_after_them(repo: Path):
    first = _learn("--root", str(repo))
    assert first.returncode == 0, first.stderr
    data = json.loads(first.stdout)
    assert data["expressible"] == 4 and data["added"] == 4, data
    assert {"shape": SHAPE, "count": 4} in data["recurring_shapes"]
    sets = open_store(repo).sets(sources=("history",))
    assert len(sets) == 4 and all(s.label and s.shape == f"off_by_one|{SHAPE}" for s in sets)
    assert all(len(s.features) > 1 for s in sets)        # the human change among its siblings

    again = json.loads(_learn("--root", str(repo)).stdout)
    assert again["commits"] == 0 and again["added"] == 0        # nothing new since the last run

    extra = "".join(f"\n\ndef helper{i}():\n    return {i}\n" for i in range(3))   # too large for a fix
    _commit(repo, {"mod0.py": BUGS[0]["source"] + extra}, "mod0: helpers, and the bound changed again")
    _commit(repo, {"mod0.py": BUGS[0]["source"].replace(" - 1", "", 1) + extra}, "fix mod0 once more")
    later = json.loads(_learn("--root", str(repo)).stdout)
    assert later["added"] == 1 and later["since"] == data["last"]


def test_since_and_bad_input(repo: Path, tmp_path: Path):
    head = _git(repo, "rev-parse", "HEAD~2")      # before the last module was added and fixed
    data = json.loads(_learn("--root", str(repo), "--since", head).stdout)
    assert data["added"] == 1
    for args, message in ((["--root", str(tmp_path)], "not a git repository"),
                          (["--root", str(repo), "--since", "no-such-rev"], "unknown revision 'no-such-rev'")):
        done = _learn(*args)
        assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
        assert message in json.loads(done.stdout)["message"]


def test_a_learnt_history_validates_its_shape_earlier(repo: Path):
    target = BUGS[5]
    (repo / "window.py").write_text(target["source"])
    (repo / "test_window.py").write_text(target["test"].replace("from calc", "from window"))
    shipped = first_plausible(repo, ["test_window.py"])
    open_store(repo).forget_sets()            # the session above stored its proposal: not history
    assert json.loads(_learn("--root", str(repo)).stdout)["added"] == 4
    learnt = first_plausible(repo, ["test_window.py"])
    assert shipped > 1 and learnt < shipped, (shipped, learnt)


STRIP_BUG = "def {name}(text):\n    {var} = text\n    return {var}\n"
STRIP_TEST = "from {module} import {name}\n\n\ndef test_{name}():\n    assert {name}('  a b ') == 'a b'\n"


def test_a_fix_the_engine_cannot_make_is_learnt_as_a_pattern_and_made(tmp_path: Path):
    """Two past fixes of one shape the built-in templates never write (`x` -> `x.strip()`) become
    a pattern with a hole; a new bug of that shape is then fixed by it, and only then."""
    root = tmp_path / "proj"
    root.mkdir()
    _git(root, "init", "-q")
    for module, name, var in (("names", "tidy_name", "cleaned"), ("titles", "tidy_title", "title")):
        bug = STRIP_BUG.format(name=name, var=var)
        _commit(root, {f"{module}.py": bug}, f"add {module}")
        _commit(root, {f"{module}.py": bug.replace(f"return {var}", f"return {var}.strip()")},
                f"fix {module}: strip the spaces")
    (root / "labels.py").write_text(STRIP_BUG.format(name="tidy_label", var="label"))
    (root / "test_labels.py").write_text(STRIP_TEST.format(module="labels", name="tidy_label"))
    before = subprocess.run([REMEDY, "fix", "--root", str(root), "--json", "--time-budget", "30"],
                            capture_output=True, text=True, timeout=180)
    assert json.loads(before.stdout)["status"] == "no_fix", before.stdout

    data = json.loads(_learn("--root", str(root)).stdout)
    assert {"pattern": "?A -> ?A . strip ( )", "fixes": 2} in data["patterns"], data
    after = subprocess.run([REMEDY, "fix", "--root", str(root), "--json", "--time-budget", "30"],
                           capture_output=True, text=True, timeout=180)
    result = json.loads(after.stdout)
    assert result["status"] == "fixed", after.stdout
    assert "label.strip()" in result["patch"]
