"""The session never harms the user's root: hanging candidates, Ctrl-C, no --apply."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import FIXTURES, REPO, copy_project, remedy_json


# Remedy's own state a session without --apply may write: the learning store (README, "What Remedy
# learns from your project"); never anything of the user's
STATE = {".remedy/learning.sqlite", ".remedy/.gitignore"}


def _snapshot(root: Path) -> dict[str, bytes]:
    """The user's files: everything but caches and Remedy's own learning state (checked apart)."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and "__pycache__" not in p.parts and ".pytest_cache" not in p.parts
            and str(p.relative_to(root)) not in STATE}


def _state(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in (root / ".remedy").rglob("*") if p.is_file()} \
        if (root / ".remedy").is_dir() else set()


def test_looping_candidates_do_not_hang_the_session(tmp_path: Path):
    root = copy_project(FIXTURES / "loopy", tmp_path / "loopy")
    before = _snapshot(root)
    started = time.monotonic()
    code, out, err = remedy_json("fix", "--root", str(root), "--time-budget", "60")
    assert time.monotonic() - started < 120
    assert out["status"] == "fixed", (out, err)
    assert out["files"] == ["loopy/count.py"]
    assert _snapshot(root) == before
    assert _state(root) <= STATE


def test_ctrl_c_leaves_root_untouched_and_kills_children(tmp_path: Path):
    root = copy_project(FIXTURES / "loopy", tmp_path / "loopy")
    (root / "loopy" / "count.py").write_text(
        (root / "loopy" / "count.py").read_text().replace("def count_up(n):",
                                                          "def count_up(n):\n    import time; time.sleep(30)"))
    before = _snapshot(root)
    proc = subprocess.Popen([sys.executable, "-m", "agent.cli", "fix", "--root", str(root)], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    time.sleep(5)
    children = _descendants(proc.pid)
    assert children, "the session should be running tests by now"
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    assert _snapshot(root) == before
    time.sleep(0.5)
    alive = [pid for pid in children if _alive(pid)]
    assert not alive, f"subprocesses of the session outlived it: {alive}"


def _descendants(pid: int) -> list[int]:
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = open(f"/proc/{entry}/stat").read()
            except OSError:
                continue
            parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        kids = [p for p, pp in parents.items() if pp == parent]
        found += kids
        frontier += kids
    return found


def _alive(pid: int) -> bool:
    try:
        state = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"
