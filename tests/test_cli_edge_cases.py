"""The real `remedy` CLI on the edge cases a new user hits (issue 25, item 8): undo after an edit,
sources in other encodings, unreadable or corrupt inputs, the exit code 3 paths, a project with no
tests, what a killed run leaves behind, `--apply` as root, and `--workers` above the CPU count.
Every failure is one `remedy: error:` line, never a traceback, and `--json` prints its object."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import REPO, remedy_json, run_remedy

CALC = "def add(a, b):\n    return a - b\n"
TEST = "from calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n"


def project(root: Path, calc: str | bytes = CALC, test: str = TEST) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "calc.py").write_bytes(calc if isinstance(calc, bytes) else calc.encode())
    (root / "test_calc.py").write_text(test)
    return root


def one_error(err: str) -> str:
    assert "Traceback" not in err, err
    errors = [line for line in err.splitlines() if line.startswith("remedy: error:")]
    assert len(errors) == 1, err
    return errors[0]


def test_undo_refuses_to_discard_an_edit_made_after_the_apply(tmp_path):
    root = project(tmp_path / "p")
    code, out, _ = remedy_json("fix", "--root", str(root), "--apply")
    assert code == 0 and out["status"] == "fixed"
    applied = (root / "calc.py").read_text()
    edited = applied + "\n\ndef sub(a, b):\n    return a - b\n"
    (root / "calc.py").write_text(edited)

    undo = run_remedy("undo", "--root", str(root))
    assert undo.returncode == 2
    assert "calc.py changed after the patch was applied" in one_error(undo.stderr)
    assert (root / "calc.py").read_text() == edited            # the user's edit is still there

    (root / "calc.py").write_text(applied)      # edited back: undo works
    undo = run_remedy("undo", "--root", str(root))
    assert undo.returncode == 0, undo.stderr
    assert (root / "calc.py").read_text() == CALC


@pytest.mark.parametrize("content", [b"{not json", b'{"id": "x", "files": {"calc.py": {"exists": true}}}',
                                     b"\xff\xfe", b'["a list"]'])
def test_a_corrupt_undo_record_is_one_line(tmp_path, content):
    root = project(tmp_path / "p")
    (root / ".remedy" / "undo").mkdir(parents=True)
    (root / ".remedy" / "undo" / "20260101T000000-1.json").write_bytes(content)
    undo = run_remedy("undo", "--root", str(root))
    assert undo.returncode == 2
    assert "undo record .remedy/undo/20260101T000000-1.json" in one_error(undo.stderr)
    assert (root / "calc.py").read_text() == CALC


def test_latin1_source_with_a_coding_line_is_fixed_and_stays_latin1(tmp_path):
    source = "# -*- coding: latin-1 -*-\nNAME = 'café'\n\n\n" + CALC
    root = project(tmp_path / "p", source.encode("latin-1"))
    code, out, err = remedy_json("fix", "--root", str(root), "--apply")
    assert code == 0 and out["status"] == "fixed", err
    assert "+    return a + b" in out["patch"]
    assert (root / "calc.py").read_bytes() == source.replace("a - b", "a + b").encode("latin-1")
    assert run_remedy("undo", "--root", str(root)).returncode == 0
    assert (root / "calc.py").read_bytes() == source.encode("latin-1")


def test_a_source_that_is_not_utf8_and_declares_nothing_is_one_line(tmp_path):
    # Python would refuse to import it (a test that compiles it by hand still runs): bad input,
    # said once.
    test = ("def test_add():\n    ns = {}\n"
            "    src = open(__file__.replace('test_calc', 'calc'), encoding='latin-1').read()\n"
            "    exec(compile(src, __file__.replace('test_calc', 'calc'), 'exec'), ns)\n"
            "    assert ns['add'](2, 3) == 5\n")
    root = project(tmp_path / "p", ("NAME = 'café'\n" + CALC).encode("latin-1"), test)
    code, out, err = remedy_json("fix", "--root", str(root))
    assert code == 2 and out["status"] == "error", (out, err)
    line = one_error(err)
    assert "calc.py" in line and "utf-8" in line and "calc.py" in out["message"]


def test_an_unreadable_or_non_python_target_is_one_line(tmp_path):
    root = project(tmp_path / "p")
    (root / "notes.txt").write_bytes(b"caf\xe9\n")
    code, out, err = remedy_json("fix", "notes.txt", "--root", str(root))
    assert code == 2 and out["status"] == "error"
    assert "notes.txt is not a Python file" in one_error(err)


def test_an_unreadable_file_in_the_project_does_not_stop_the_repair(tmp_path):
    root = project(tmp_path / "p")
    secret = root / "secret.cfg"
    secret.write_text("x")
    secret.chmod(0)
    cmd = [sys.executable, "-m", "agent.cli", "fix", "--root", str(root), "--json"]
    if os.geteuid() == 0:     # root reads any file: drop the capabilities that let it
        cmd = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", *cmd]
        secret.chmod(0)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=180)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == 0 and json.loads(proc.stdout)["status"] == "fixed", proc.stderr


def test_a_file_changed_during_the_repair_is_exit_3_with_its_object(tmp_path):
    # The test itself touches the real file (unconfined, so it can), as an editor would meanwhile.
    root = tmp_path / "p"
    touch = f"    open({str(root / 'calc.py')!r}, 'a').write('#\\n')\n"
    test = TEST.replace("def test_add():\n", "def test_add():\n" + touch)
    project(root, CALC, test)
    code, out, err = remedy_json("fix", "--root", str(root), "--apply", "--unsafe-sandbox")
    assert code == 3, (out, err)
    assert out["status"] == "error" and out["patch"]
    assert "calc.py changed while the repair ran" in one_error(err)
    assert "return a - b" in (root / "calc.py").read_text()


def test_tests_that_cannot_be_collected_are_exit_3_with_its_object(tmp_path):
    root = project(tmp_path / "p", CALC, "import not_a_module_anywhere\n" + TEST)
    code, out, err = remedy_json("fix", "--root", str(root))
    assert code == 3 and out["status"] == "error"
    assert "tests could not be collected" in one_error(err)
    assert "No module named 'not_a_module_anywhere' (the tests ran with " in one_error(err)
    assert "install the project's dependencies there" in out["message"]


def test_exit_code_3_is_documented():
    readme = (REPO / "README.md").read_text()
    line = next(row for row in readme.splitlines() if row.startswith("- Exit codes:"))
    assert "3 the repair could not run" in readme and "2 bad input" in line


def test_a_project_without_tests_says_so(tmp_path):
    root = tmp_path / "p"
    root.mkdir()
    (root / "calc.py").write_text(CALC)
    code, out, err = remedy_json("fix", "--root", str(root))
    assert code == 2 and out["status"] == "error"
    assert "no tests to run" in one_error(err) and "already passing" not in out["message"]


def test_what_a_killed_run_left_is_removed_by_the_next(tmp_path):
    slow = TEST.replace("def test_add():\n", "def test_add():\n    import time\n    time.sleep(30)\n")
    root = project(tmp_path / "p", CALC, slow)
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env["TMPDIR"] = str(temp)
    killed = subprocess.Popen([sys.executable, "-m", "agent.cli", "fix", "--root", str(root)], cwd=REPO,
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)
    deadline = time.monotonic() + 60
    while not list(temp.glob("remedy-sbx-*/project/calc.py")) and time.monotonic() < deadline:
        time.sleep(0.1)
    os.killpg(killed.pid, signal.SIGKILL)
    killed.wait()
    left = list(temp.glob("remedy-sbx-*"))
    assert left, "the killed run made no scratch copy"
    # An apply killed between writing its temporary file and moving it into place, and one of a
    # writer that is still alive (this test): only the first goes.
    dead = root / f".calc.py.{_dead_pid()}.k3j2.remedy-tmp"
    dead.write_text(CALC)
    old_style = root / ".test_calc.py.abc123.remedy-tmp"
    old_style.write_text(TEST)
    alive = root / f".calc.py.{os.getpid()}.zz.remedy-tmp"
    alive.write_text(CALC)

    (root / "test_calc.py").write_text(TEST)
    proc = subprocess.run([sys.executable, "-m", "agent.cli", "fix", "--root", str(root), "--json"],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr
    assert not any(p.exists() for p in left)
    assert not dead.exists() and not old_style.exists() and alive.exists()
    assert not list(temp.glob("remedy-sbx-*")), "the second run left its own copy"


def _dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def test_apply_keeps_the_owner_and_the_hard_links(tmp_path):
    root = project(tmp_path / "p")
    os.chmod(tmp_path, 0o755)
    target, link = root / "calc.py", tmp_path / "calc-link.py"
    os.link(target, link)
    owner = (os.getuid(), os.getgid())
    if os.geteuid() == 0:
        owner = (1234, 1234)
        os.chown(target, *owner)
    inode = target.stat().st_ino
    code, out, err = remedy_json("fix", "--root", str(root), "--apply")
    assert code == 0 and out["status"] == "fixed", err
    st = target.stat()
    assert (st.st_uid, st.st_gid) == owner and st.st_ino == inode and st.st_nlink == 2
    assert "a + b" in link.read_text()
    assert run_remedy("undo", "--root", str(root)).returncode == 0
    assert link.read_text() == CALC and target.stat().st_uid == owner[0]


def test_apply_as_root_keeps_the_owner_of_a_file_without_links(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("giving a file another owner needs root")
    root = project(tmp_path / "p")
    os.chown(root / "calc.py", 1234, 4321)
    code, out, err = remedy_json("fix", "--root", str(root), "--apply")
    assert code == 0, err
    st = (root / "calc.py").stat()
    assert (st.st_uid, st.st_gid) == (1234, 4321) and "a + b" in (root / "calc.py").read_text()


def test_workers_are_capped_at_the_cpu_count(tmp_path):
    root = project(tmp_path / "p")
    cpus = len(os.sched_getaffinity(0))
    code, out, err = remedy_json("fix", "--root", str(root), "--workers", str(cpus + 10))
    assert code == 0 and out["status"] == "fixed"
    assert f"--workers {cpus + 10} capped at {cpus}" in err and "Traceback" not in err


@pytest.mark.parametrize("args", [("--bogus",), ("--time-budget", "-1"), ("--max-candidates", "0"),
                                  ("--engine", "nope")])
def test_bad_flags_print_the_object_too(tmp_path, args):
    root = project(tmp_path / "p")
    code, out, err = remedy_json("fix", "--root", str(root), *args)
    assert code == 2 and out["status"] == "error"
    assert out["message"] in one_error(err)


def test_a_50000_line_module_is_fixed_within_its_budget(tmp_path):
    # Lines alike by the thousand (blank lines, `return x + i`): matching the patched module
    # against the original line by line used to take minutes after the fix was found.
    body = "".join(f"def f{i}(x):\n    return x + {i}\n\n\n" for i in range(12_500))
    root = project(tmp_path / "p", body + CALC)
    assert len((root / "calc.py").read_text().splitlines()) >= 50_000
    code, out, err = remedy_json("fix", "--root", str(root), "--time-budget", "60", timeout=240)
    assert code == 0 and out["status"] == "fixed", err
    assert "+    return a + b" in out["patch"]
    assert out["elapsed_s"] < 120, "the session ran far past its time budget"


@pytest.mark.parametrize("argv", [["bench", "bench/corpus", "--json", "--rollouts", "0"],
                                  ["finetune", "--json", "--bogus"],
                                  ["doctor", "--json", "--root", "/nonexistent"],
                                  ["bench", "/nonexistent", "--json"]])
def test_json_prints_its_one_object_on_bad_input_for_every_command(argv):
    proc = run_remedy(*argv)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert len(lines) == 1, proc.stdout
    out = json.loads(lines[0])
    assert out["status"] == "error" and out["error"] == "bad_input" and out["message"]
    assert len(proc.stderr.strip().splitlines()) == 1
