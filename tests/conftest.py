"""Shared fixtures: fresh copies of fixture projects, and the `remedy` CLI as a real subprocess."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

collect_ignore = ["fixtures"]

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


# a one-bug project of two functions' tests: `add` subtracts (the LLM tests' fake models fix it)
CALC = {"calc.py": "def add(a, b):\n    return a - b\n",
        "test_calc.py": "from calc import add\n\ndef test_add():\n    assert add(2, 3) == 5\n"
                        "\ndef test_zero():\n    assert add(0, 0) == 0\n"}


def write_project(root: Path, files: dict[str, str]) -> Path:
    """A project under `root` from {relative path: text} (dedented)."""
    import textwrap

    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


def first_plausible(root: Path, test_ids: list[str] | None = None, time_budget: float = 60) -> int:
    """The validation position of the first plausible patch of a real session (built-in engine)
    on `root`: 1 when the first candidate validated passes."""
    import asyncio

    from agent.config import Config
    from agent.events import Validation
    from agent.session import run_repair

    async def go() -> int:
        found = []
        async for ev in run_repair(root, test_ids, Config(engine="builtin", time_budget=time_budget)):
            if isinstance(ev, Validation) and ev.plausible and ev.stage == "target":
                found.append(ev.position)
        assert found, f"no plausible patch for {root}"
        return min(found)
    return asyncio.run(go())


def copy_project(src: Path, dest: Path) -> Path:
    shutil.copytree(src, dest, ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache"))
    return dest


@pytest.fixture
def invoice(tmp_path: Path) -> Path:
    """The bundled demo project (one bug), copied."""
    return copy_project(REPO / "examples" / "invoice", tmp_path / "invoice")


def run_remedy(*args: str, cwd: Path | None = None, timeout: float = 180) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    return subprocess.run([sys.executable, "-m", "agent.cli", *args], cwd=cwd or REPO, env=env,
                          capture_output=True, text=True, timeout=timeout)


def remedy_json(*args: str, **kw) -> tuple[int, dict, str]:
    proc = run_remedy(*args, "--json", **kw)
    lines = [ln for ln in proc.stdout.splitlines() if ln.strip()]
    assert len(lines) == 1, f"stdout must be exactly one JSON object, got: {proc.stdout!r} / {proc.stderr}"
    return proc.returncode, json.loads(lines[0]), proc.stderr


def processes_marked(marker: str) -> list[int]:
    """Host pids of live processes whose command line contains `marker`: how a test finds what
    sandboxed code started (pids inside a sandbox's PID namespace mean nothing out here)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as fh:
                cmdline = fh.read()
            with open(f"/proc/{entry}/stat") as fh:
                if fh.read().rsplit(")", 1)[1].split()[0] == "Z":
                    continue                   # a zombie is dead for our purposes
        except OSError:
            continue
        if marker.encode() in cmdline:
            found.append(int(entry))
    return found


def venv_with_only_pytest(dest: Path, python: str = sys.executable, also: tuple[str, ...] = ()) -> Path:
    """A virtualenv of `python`, without pip, whose only third-party packages are pytest and what
    it needs, linked from Remedy's own environment by a .pth file (inside the venv, so that the
    sandbox shows them): a project's venv as most users have it, with no coverage.py (unless
    `also` names it, with the other distributions to link as well). Returns its interpreter."""
    from importlib import metadata

    from packaging.requirements import Requirement

    subprocess.run([python, "-m", "venv", "--without-pip", str(dest)], check=True, timeout=120)
    shelf = dest / "pytest-only"
    shelf.mkdir()
    todo, done = ["pytest", *also], set()
    while todo:
        dist = metadata.distribution(todo.pop())
        name = dist.metadata["Name"].lower()
        if name in done:
            continue
        done.add(name)
        for entry in {str(f).split("/")[0] for f in dist.files or ()} - {"..", "__pycache__"}:
            (shelf / entry).symlink_to(Path(dist.locate_file(entry)))
        for line in dist.requires or ():
            req = Requirement(line)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(req.name)
    venv_python = dest / "bin" / "python"
    purelib = subprocess.run([str(venv_python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                             capture_output=True, text=True, check=True).stdout.strip()
    (Path(purelib) / "pytest_only.pth").write_text(f"{shelf}\n")
    return venv_python
