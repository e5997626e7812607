"""Scratch copies, the process leash and atomic, undoable application of patches."""
from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from conftest import processes_marked

from agent.errors import BadInput
from agent.sandbox.apply import apply_to_root, undo_last
from agent.sandbox.process import minimal_env, run_limited
from agent.project import project_files
from agent.sandbox.workspace import Sandbox, scratch_copy


def make_project(root: Path) -> None:
    for rel, text in {"pkg/mod.py": "X = 1\n", "tests/test_m.py": "def test(): pass\n",
                      "build/out.txt": "ignored\n", ".gitignore": "build/\n",
                      "pkg/__pycache__/mod.cpython-311.pyc": "stale", ".venv/pyvenv.cfg": "",
                      ".venv/lib/x.py": "", "node_modules/a.js": "", ".remedy/undo/x.json": "{}"}.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)


@pytest.mark.parametrize("git", [False, True])
def test_scratch_copy_skips_caches_venvs_and_ignored(tmp_path, git):
    root = tmp_path / "proj"
    root.mkdir()
    make_project(root)
    if git:
        subprocess.run(["git", "init", "-q", str(root)], check=True)
    expected = {".gitignore", "pkg/mod.py", "tests/test_m.py"} | (set() if git else {"build/out.txt"})
    assert set(project_files(root)) == expected
    scratch_copy(root, tmp_path / "copy")
    copied = {p.relative_to(tmp_path / "copy").as_posix()
              for p in (tmp_path / "copy").rglob("*") if p.is_file()}
    assert copied == expected


def test_symlinks_out_of_the_project_cannot_leak_writes(tmp_path):
    outside = tmp_path / "secret.txt"
    outside.write_text("original")
    root = tmp_path / "proj"
    root.mkdir()
    (root / "mod.py").write_text("X = 1\n")
    (root / "link.txt").symlink_to(outside)
    (root / "inner.py").symlink_to(root / "mod.py")
    with Sandbox(root) as sbx:
        assert not os.path.lexists(sbx.path / "link.txt")     # a link out of the project is left out
        sbx.write("link.txt", b"changed")
        assert sbx.read("link.txt") == b"changed"
        assert (sbx.path / "inner.py").is_symlink() and sbx.read("inner.py") == b"X = 1\n"
        for bad in ("../escape.py", str(outside), "pkg/../../x.py"):
            with pytest.raises(BadInput):
                sbx.write(bad, b"boom")
        path = sbx.path
    assert outside.read_text() == "original" and not path.exists()
    assert not (tmp_path / "escape.py").exists()


def test_minimal_env_drops_secrets(monkeypatch):
    for name in ("OPENAI_API_KEY", "AWS_REGION", "GH_TOKEN", "DB_PASSWORD", "MY_SECRET", "APIKEY"):
        monkeypatch.setenv(name, "x")
    monkeypatch.setenv("LC_ALL", "C.UTF-8")
    monkeypatch.setenv("PYTHONHASHSEED", "0")
    env = minimal_env({"EXTRA": "1", "SERVICE_TOKEN": "leak"})
    assert env["LC_ALL"] == "C.UTF-8" and env["PYTHONHASHSEED"] == "0" and env["EXTRA"] == "1"
    assert not any(k in env for k in ("OPENAI_API_KEY", "AWS_REGION", "GH_TOKEN", "DB_PASSWORD",
                                      "MY_SECRET", "APIKEY", "SERVICE_TOKEN"))
    assert env["PATH"] == os.environ["PATH"]


def test_timeout_kills_the_whole_group(tmp_path):
    marker = f"remedy-grandchild-{uuid.uuid4().hex}"
    script = ("import subprocess, sys, time\n"
              f"c = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)', {marker!r}])\n"
              f"subprocess.Popen(['setsid', sys.executable, '-c', 'import time; time.sleep(60)', {marker!r}])\n"
              "print(c.pid, flush=True)\n"
              "time.sleep(60)\n")
    start = time.monotonic()
    result = run_limited([sys.executable, "-c", script], tmp_path, timeout=2, env=minimal_env())
    assert result.timed_out and time.monotonic() - start < 10
    deadline = time.monotonic() + 5
    while processes_marked(marker) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not processes_marked(marker)



def test_limits_and_network_isolation(tmp_path):
    probe = ("import resource, socket\n"
             "print(resource.getrlimit(resource.RLIMIT_AS)[0])\n"
             "try:\n"
             "    socket.create_connection(('192.0.2.1', 80), timeout=2)\n"
             "    print('online')\n"
             "except OSError as exc:\n"
             "    print('errno', exc.errno)\n")
    out = run_limited([sys.executable, "-c", probe], tmp_path, timeout=20, env=minimal_env()).stdout
    limit, net = out.splitlines()
    assert int(limit) == 4 << 30
    assert net == "errno 101"            # ENETUNREACH: a network namespace without routes


def test_apply_is_atomic_and_undoable(tmp_path):
    (tmp_path / "a.py").write_text("A = 1\n")
    (tmp_path / "run.sh").write_text("echo\n")
    os.chmod(tmp_path / "run.sh", 0o755)
    applied = apply_to_root(tmp_path, {"a.py": b"A = 2\n", "run.sh": b"echo hi\n", "new/b.py": b"B\n"})
    assert (tmp_path / "a.py").read_text() == "A = 2\n" and (tmp_path / "new/b.py").exists()
    assert os.stat(tmp_path / "run.sh").st_mode & 0o777 == 0o755
    assert (tmp_path / ".remedy" / "undo" / f"{applied.undo_id}.json").exists()
    assert not list(tmp_path.rglob("*.remedy-tmp"))
    second = apply_to_root(tmp_path, {"a.py": b"A = 3\n"})
    assert undo_last(tmp_path).undo_id == second.undo_id
    assert (tmp_path / "a.py").read_text() == "A = 2\n"
    undo_last(tmp_path)
    assert (tmp_path / "a.py").read_text() == "A = 1\n" and not (tmp_path / "new/b.py").exists()
    assert (tmp_path / "run.sh").read_text() == "echo\n" and undo_last(tmp_path) is None


def test_apply_refuses_paths_outside_and_rolls_back(tmp_path):
    (tmp_path / "a.py").write_text("A = 1\n")
    with pytest.raises(BadInput):
        apply_to_root(tmp_path, {"a.py": b"A = 2\n", "../out.py": b"x"})
    (tmp_path / "dir").mkdir()        # writing a file where a directory stands fails midway
    with pytest.raises(OSError):
        apply_to_root(tmp_path, {"a.py": b"A = 2\n", "dir": b"x"})
    assert (tmp_path / "a.py").read_text() == "A = 1\n" and undo_last(tmp_path) is None
    assert not list(tmp_path.rglob("*.remedy-tmp"))


def test_project_inside_an_ignored_folder_of_a_repo_is_walked(tmp_path):
    import subprocess
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / ".gitignore").write_text("ignored/\n")
    proj = tmp_path / "ignored" / "proj"
    proj.mkdir(parents=True)
    (proj / "mod.py").write_text("x = 1\n")
    assert project_files(proj) == ["mod.py"]
