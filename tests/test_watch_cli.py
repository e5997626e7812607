"""`remedy watch` as a real subprocess: a break on disk prints the failing test; SIGINT ends it
cleanly; a bad root is one line and exit 2."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from tests.conftest import run_remedy

REPO = Path(__file__).resolve().parent.parent
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "watch_basic"


def test_bad_root_is_one_line_exit_2(tmp_path: Path):
    proc = run_remedy("watch", "--root", str(tmp_path / "missing"))
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and "not a directory" in proc.stderr


def test_watch_prints_a_failing_test_then_stops_on_sigint(tmp_path: Path):
    project = Path(shutil.copytree(FIXTURE, tmp_path / "proj"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    proc = subprocess.Popen([sys.executable, "-m", "agent.cli", "watch", "--root", str(project)],
                            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(proc.stdout.readline, "")), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 30
        while "watching" not in (proc.stderr.readline() or "") and time.monotonic() < deadline:
            pass
        time.sleep(1.0)
        calc = project / "pkg" / "calc.py"
        calc.write_text(calc.read_text().replace("a + b", "a - b"))
        deadline = time.monotonic() + 120
        while not any("FAIL tests/test_calc.py::test_add" in ln for ln in lines):
            assert time.monotonic() < deadline, lines
            time.sleep(0.1)
    finally:
        proc.send_signal(signal.SIGINT)
        rc = proc.wait(timeout=60)
    assert rc == 0
    assert "watch stopped" in proc.stderr.read()
