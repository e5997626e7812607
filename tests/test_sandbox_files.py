"""What the user's project holds cannot hang, exhaust or run code in Remedy (issue 20, items 3
and 6): the real `remedy fix` CLI on projects holding FIFOs, a socket, a link to /dev/zero, links
out of the project, symlink loops and a .git/config naming programs for git to run; and the
listing and read helpers of agent.project.files and the copy of agent.sandbox.workspace on the same kinds of trees."""
from __future__ import annotations

import errno
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from conftest import REPO

from agent.project import Unreadable, project_files, read_regular, run_git
from agent.sandbox.workspace import Sandbox, scratch_copy

CALC = "def add(a, b):\n    return a - b\n"
TESTS = ("from calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n\n\n"
         "def test_zero():\n    assert add(0, 0) == 0\n")
CANARY = "sk-canary-0123456789abcdefghijklmnop"
RUN_TIMEOUT = 120


def make_project(root: Path, tests: str = TESTS, git: bool = False) -> Path:
    root.mkdir(parents=True)
    (root / "calc.py").write_text(CALC)
    (root / "test_calc.py").write_text(tests)
    if git:
        subprocess.run(["git", "init", "-q", str(root)], check=True)
    return root


def fix(root: Path, *args: str, env_extra: dict[str, str] | None = None) -> tuple[int, dict, str]:
    """`remedy fix --root ROOT ARGS --json` as a subprocess; never a hang, never a traceback."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env.update(env_extra or {})
    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "agent.cli", "fix", *args, "--root", str(root),
                           "--json"], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=RUN_TIMEOUT)
    assert time.monotonic() - start < RUN_TIMEOUT
    assert "Traceback" not in proc.stderr, proc.stderr
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    assert len(lines) == 1, (proc.stdout, proc.stderr)
    return proc.returncode, json.loads(lines[0]), proc.stderr


def assert_fixed(root: Path, **kw) -> dict:
    code, out, err = fix(root, **kw)
    assert (code, out["status"]) == (0, "fixed"), (out, err)
    assert out["failing_tests"] == ["test_calc.py::test_add"] and out["files"] == ["calc.py"]
    return out


class FifoWatch:
    """Tells whether anyone opened a FIFO for reading: a thread's open for writing returns only
    then. `close` releases that thread whatever happened."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.opened = threading.Event()
        self.thread = threading.Thread(target=self._wait, daemon=True)
        self.thread.start()

    def _wait(self) -> None:
        try:
            fd = os.open(self.path, os.O_WRONLY)
        except OSError:
            return
        self.opened.set()
        os.close(fd)

    def close(self) -> bool:
        """Whether the FIFO was opened before now."""
        opened = self.opened.is_set()
        fd = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK)
        self.thread.join(5)
        os.close(fd)
        return opened


def _fifo(root: Path, name: str) -> FifoWatch:
    os.mkfifo(root / name)
    return FifoWatch(root / name)


def _socket(root: Path) -> None:
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(root / "remedy.sock"))
    sock.close()


HOSTILE = {
    "fifo_py": lambda root: _fifo(root, "x.py"),
    "fifo_data": lambda root: _fifo(root, "data.txt"),
    "fifo_conftest": lambda root: _fifo(root, "conftest.py"),
    "fifo_config": lambda root: _fifo(root, "pyproject.toml"),
    "socket": _socket,
    "dev_zero_py": lambda root: (root / "zero.py").symlink_to("/dev/zero"),
    "loop": lambda root: ((root / "a").symlink_to("b"), (root / "b").symlink_to("a")),
    "self": lambda root: (root / "self").symlink_to("."),
    "up": lambda root: ((root / "sub").mkdir(), (root / "sub" / "up").symlink_to("..")),
    "cycle": lambda root: ((root / "p").mkdir(), (root / "q").mkdir(),
                           (root / "p" / "to_q").symlink_to("../q"),
                           (root / "q" / "to_p").symlink_to("../p")),
    "broken": lambda root: (root / "gone.py").symlink_to("nowhere.py"),
}


@pytest.mark.parametrize("git", [False, True], ids=["walk", "git"])
@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_fix_holds_on_non_regular_files(tmp_path, kind, git):
    root = make_project(tmp_path / "proj", git=git)
    watch = HOSTILE[kind](root)
    try:
        assert_fixed(root)
    finally:
        if isinstance(watch, FifoWatch):
            assert not watch.close(), f"Remedy opened the FIFO {watch.path.name}"


def test_a_link_out_of_the_project_is_not_copied_read_or_changed(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("secret\n")
    (outside / "helper.py").write_text("VALUE = 1\n")
    # in the copy the links are gone, so this test passes there (and fails in the real project)
    tests = TESTS + ("\n\ndef test_links_out_are_left_out():\n    import os\n"
                     "    here = os.path.dirname(__file__)\n"
                     "    assert not os.path.lexists(os.path.join(here, 'secret.txt'))\n"
                     "    assert not os.path.lexists(os.path.join(here, 'helper.py'))\n")
    root = make_project(tmp_path / "proj", tests=tests)
    (root / "secret.txt").symlink_to(outside / "secret.txt")
    (root / "helper.py").symlink_to("../outside/helper.py")
    before = {}
    for path in outside.iterdir():            # atime older than mtime: any read moves it (relatime)
        data, mtime = path.read_bytes(), path.stat().st_mtime_ns
        os.utime(path, ns=(mtime - 10**12, mtime))
        before[path.name] = (data, path.stat().st_atime_ns, mtime)
    atime_works = _reads_move_atime(tmp_path)
    assert_fixed(root)
    for path in outside.iterdir():
        data, atime, mtime = before[path.name]
        st = path.stat()
        assert path.read_bytes() == data and st.st_mtime_ns == mtime
        if atime_works:
            assert st.st_atime_ns == atime, f"{path.name} was read"


def _reads_move_atime(folder: Path) -> bool:
    probe = folder / "atime-probe"
    probe.write_text("x")
    st = probe.stat()
    os.utime(probe, ns=(st.st_mtime_ns - 10**12, st.st_mtime_ns))
    probe.read_bytes()
    return probe.stat().st_atime_ns != st.st_mtime_ns - 10**12


@pytest.mark.parametrize("make", [lambda root: os.mkfifo(root / "test_fifo.py"),
                                  lambda root: (root / "test_fifo.py").symlink_to("/dev/zero")],
                         ids=["fifo", "dev_zero"])
def test_a_named_test_that_is_no_regular_file_is_one_line_of_error(tmp_path, make):
    root = make_project(tmp_path / "proj")
    make(root)
    code, out, err = fix(root, "test_fifo.py::test_x")
    assert code == 2 and out["status"] == "error"
    assert "not a regular file" in out["message"] and out["tests_run"] == 0
    assert len([line for line in err.splitlines() if line.startswith("remedy: error:")]) == 1, err


# -- git runs nothing the repository names -----------------------------------------------------

HOOKS = ("post-index-change", "pre-commit", "post-checkout", "reference-transaction", "pre-auto-gc",
         "post-rewrite", "pre-push", "fsmonitor-watchman", "applypatch-msg", "pre-applypatch",
         "post-applypatch")


def hostile_repo(tmp_path: Path) -> tuple[Path, Path]:
    """A project whose .git/config names an fsmonitor hook and a hooks folder; every program
    there leaves a marker holding its environment. Returns (root, marker folder)."""
    markers = tmp_path / "markers"
    markers.mkdir()
    tests = TESTS
    root = make_project(tmp_path / "proj", tests=tests, git=True)
    script = tmp_path / "fsmonitor.sh"
    script.write_text(f"#!/bin/sh\nenv > {markers}/fsmonitor\nexit 1\n")
    script.chmod(0o755)
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    for name in HOOKS:
        (hooks / name).write_text(f"#!/bin/sh\nenv > {markers}/{name}\n")
        (hooks / name).chmod(0o755)
    # files the repository ignores: only a listing through git leaves them out
    (root / ".gitignore").write_text("extra/\n")
    (root / "extra").mkdir()
    (root / "extra" / "test_extra.py").write_text("def test_extra():\n    assert False\n")
    subprocess.run(["git", "-C", str(root), "add", "."], check=True, env=_quiet_git_env())
    subprocess.run(["git", "-C", str(root), "config", "core.fsmonitor", str(script)], check=True)
    subprocess.run(["git", "-C", str(root), "config", "core.hooksPath", str(hooks)], check=True)
    return root, markers


def _quiet_git_env() -> dict[str, str]:
    return {**os.environ, "GIT_CONFIG_NOSYSTEM": "1"}


def test_plain_git_would_run_the_fsmonitor_hook(tmp_path):
    """The hostile repository is real: git as Remedy used to run it executes the hook."""
    root, markers = hostile_repo(tmp_path)
    subprocess.run(["git", "-C", str(root), "ls-files", "-co", "--exclude-standard", "-z"],
                   capture_output=True, env={**os.environ, "OPENAI_API_KEY": CANARY})
    assert (markers / "fsmonitor").exists() and CANARY in (markers / "fsmonitor").read_text()


def test_fix_runs_no_program_from_the_projects_git_config(tmp_path):
    root, markers = hostile_repo(tmp_path)
    out = assert_fixed(root, env_extra={"OPENAI_API_KEY": CANARY, "GITHUB_TOKEN": CANARY})
    assert not list(markers.iterdir()), [p.name for p in markers.iterdir()]
    # the listing did come from git: the ignored folder's failing test was never run
    assert "extra/test_extra.py::test_extra" not in out["failing_tests"]


def test_run_git_environment_has_no_secret(tmp_path, monkeypatch):
    root, markers = hostile_repo(tmp_path)
    monkeypatch.setenv("OPENAI_API_KEY", CANARY)
    monkeypatch.setenv("GIT_CONFIG_PARAMETERS", "'core.fsmonitor'='true'")
    listed = run_git(["ls-files", "-co", "--exclude-standard", "-z"], root)
    assert listed.returncode == 0 and b"calc.py" in listed.stdout and b"extra/" not in listed.stdout
    # what a program git starts sees (a shell alias given on the command line shows it)
    env = run_git(["-c", "alias.showenv=!env", "showenv"], root).stdout.decode()
    assert CANARY not in env
    # Remedy's own GIT_* variables are dropped: git passes on only the -c settings of run_git
    assert "'core.fsmonitor'='true'" not in env and "'core.fsmonitor'='false'" in env
    assert "GIT_TERMINAL_PROMPT=0" in env and "GIT_OPTIONAL_LOCKS=0" in env
    assert not list(markers.iterdir())


# -- the listing, the copy and the reads, on real trees ------------------------------------------

def hostile_tree(tmp_path: Path) -> Path:
    root = make_project(tmp_path / "proj")
    (tmp_path / "outside.txt").write_text("outside\n")
    (root / "lib").mkdir()
    (root / "lib" / "m.py").write_text("M = 1\n")
    (root / "alias.py").symlink_to("calc.py")              # kept: a relative link in the copy
    (root / "lib2").symlink_to("lib")                        # kept: a folder link, no loop
    (root / "abs_alias.py").symlink_to(root / "calc.py")     # kept, made relative
    os.mkfifo(root / "fifo.py")
    _socket(root)
    (root / "zero.py").symlink_to("/dev/zero")
    (root / "out.txt").symlink_to(tmp_path / "outside.txt")
    (root / "a").symlink_to("b")
    (root / "b").symlink_to("a")
    (root / "self").symlink_to(".")
    (root / "lib" / "up").symlink_to("..")
    (root / "gone.py").symlink_to("nowhere.py")
    (root / "p").mkdir()
    (root / "q").mkdir()
    (root / "p" / "to_q").symlink_to("../q")
    (root / "q" / "to_p").symlink_to("../p")
    (root / "venvlink.py").symlink_to(".git/config")        # into a skipped folder: left out
    return root


KEPT = {"calc.py", "test_calc.py", "lib/m.py", "alias.py", "lib2", "abs_alias.py"}


@pytest.mark.parametrize("git", [False, True], ids=["walk", "git"])
def test_project_files_lists_only_regular_files_and_links_inside(tmp_path, git):
    root = hostile_tree(tmp_path)
    if git:
        subprocess.run(["git", "init", "-q", str(root)], check=True)
    assert set(project_files(root)) == KEPT


def test_the_copy_keeps_inner_links_as_relative_links_and_nothing_else(tmp_path):
    root = hostile_tree(tmp_path)
    dest = tmp_path / "copy"
    scratch_copy(root, dest)
    entries = {p.relative_to(dest).as_posix() for p in dest.rglob("*")} - {"lib", "p", "q"}
    assert entries == KEPT                  # rglob does not descend links
    assert (dest / "lib2" / "m.py").read_text() == "M = 1\n"
    for link in ("alias.py", "abs_alias.py", "lib2"):
        assert (dest / link).is_symlink() and not os.path.isabs(os.readlink(dest / link))
    assert (dest / "abs_alias.py").read_text() == CALC
    # a walk that follows every link ends (pytest's collection does follow them)
    assert sum(len(files) for _, _, files in os.walk(dest, followlinks=True)) < 20


def test_restore_puts_a_link_and_its_target_back(tmp_path):
    root = hostile_tree(tmp_path)
    with Sandbox(root) as sbx:
        sbx.write("alias.py", b"def add(a, b):\n    return 0\n")     # through the link
        assert sbx.read("calc.py") == b"def add(a, b):\n    return 0\n"
        sbx.restore("alias.py")
        assert (sbx.path / "alias.py").is_symlink() and sbx.read("calc.py") == CALC.encode()
        (sbx.path / "lib2").unlink()
        (sbx.path / "lib2").mkdir()
        sbx.restore("lib2")
        assert (sbx.path / "lib2").is_symlink()
        for gone in ("fifo.py", "self", "out.txt"):          # nothing a copy holds: stays out
            sbx.restore(gone)
            assert not os.path.lexists(sbx.path / gone)
    assert (tmp_path / "outside.txt").read_text() == "outside\n"


def test_read_regular_never_opens_a_fifo_or_device_nor_reads_past_the_limit(tmp_path):
    os.mkfifo(tmp_path / "fifo")
    watch = FifoWatch(tmp_path / "fifo")
    with pytest.raises(Unreadable, match="not a regular file"):
        read_regular(tmp_path / "fifo")
    assert not watch.close()
    with pytest.raises(Unreadable, match="not a regular file"):
        read_regular("/dev/zero")
    big = tmp_path / "big.py"
    with open(big, "wb") as fh:
        fh.truncate(2 << 30)                        # 2 GB, sparse: refused before a byte is read
    start = time.monotonic()
    with pytest.raises(Unreadable) as err:
        read_regular(big)
    assert err.value.errno == errno.EFBIG and time.monotonic() - start < 1
    (tmp_path / "proj").mkdir()
    (tmp_path / "proj" / "out.py").symlink_to(big)
    with pytest.raises(Unreadable, match="out of the project"):
        read_regular(tmp_path / "proj" / "out.py", root=tmp_path / "proj")
    (tmp_path / "small.py").write_text("X = 1\n")
    assert read_regular(tmp_path / "small.py", limit=6) == b"X = 1\n"
    with pytest.raises(Unreadable):
        read_regular(tmp_path / "small.py", limit=5)


def test_a_huge_source_file_is_skipped_not_read(tmp_path):
    root = make_project(tmp_path / "proj")
    with open(root / "generated.py", "wb") as fh:
        fh.truncate(64 << 20)                       # sparse; over the 16 MiB a source may have
    code, out, err = fix(root)
    assert (code, out["status"]) == (0, "fixed"), (out, err)
    assert "skipped generated.py: larger than 16 MiB" in err
