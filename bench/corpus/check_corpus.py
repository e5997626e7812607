#!/usr/bin/env python3
"""Validate the development bug corpus.

For every base project under ``packages/``: copy it to a scratch directory and check that
its whole test suite passes.  For every case under ``cases/``: copy the base project, apply
``bug.patch`` and check that the set of failing tests is exactly ``failing`` from
``case.toml`` and that at least one test still passes.  Prints a table; exits non-zero on
any mismatch.

Usage::

    python bench/corpus/check_corpus.py            # everything
    python bench/corpus/check_corpus.py CASE ...   # only the named cases (and their bases)

Only the standard library is used (plus pytest, run in a subprocess with the same
interpreter).  Results are read from pytest's ``-rA`` short summary lines, so no plugin is
needed.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

CORPUS = Path(__file__).resolve().parent
CASES_DIR = CORPUS / "cases"
PACKAGES_DIR = CORPUS / "packages"

REQUIRED_KEYS = ("project", "bug_patch", "failing", "description", "kind", "edits")
_SUMMARY = re.compile(r"^(PASSED|FAILED|ERROR|XFAIL|XPASS|SKIPPED)\s+(\S+)")
_IGNORE = shutil.ignore_patterns("__pycache__", ".pytest_cache", "*.pyc")


@dataclass
class Case:
    name: str
    dir: Path
    project: Path
    patch: Path
    failing: list[str]
    description: str
    kind: str
    edits: int


@dataclass
class RunResult:
    passed: set[str] = field(default_factory=set)
    failed: set[str] = field(default_factory=set)  # FAILED or ERROR
    returncode: int = 0
    output: str = ""


def load_case(case_dir: Path) -> Case:
    """Read and sanity-check ``case_dir/case.toml``."""
    data = tomllib.loads((case_dir / "case.toml").read_text(encoding="utf-8"))
    missing = [k for k in REQUIRED_KEYS if k not in data]
    if missing:
        raise ValueError(f"{case_dir.name}: case.toml lacks {missing}")
    return Case(
        name=case_dir.name,
        dir=case_dir,
        project=(case_dir / data["project"]).resolve(),
        patch=(case_dir / data["bug_patch"]).resolve(),
        failing=list(data["failing"]),
        description=data["description"],
        kind=data["kind"],
        edits=int(data["edits"]),
    )


def load_cases(names: list[str] | None = None) -> list[Case]:
    dirs = sorted(p for p in CASES_DIR.iterdir() if (p / "case.toml").is_file())
    if names:
        wanted = set(names)
        dirs = [d for d in dirs if d.name in wanted]
        unknown = wanted - {d.name for d in dirs}
        if unknown:
            raise SystemExit(f"unknown case(s): {sorted(unknown)}")
    return [load_case(d) for d in dirs]


def copy_project(project: Path, dest: Path) -> Path:
    target = dest / project.name
    shutil.copytree(project, target, ignore=_IGNORE)
    return target


def apply_patch(patch: Path, workdir: Path) -> None:
    """Apply a unified diff with a/ b/ prefixes inside ``workdir``."""
    proc = subprocess.run(["patch", "-p1", "--batch", "--forward", "-i", str(patch)],
                          cwd=workdir, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"patch failed for {patch}:\n{proc.stdout}{proc.stderr}")


def run_pytest(workdir: Path, timeout: float = 120.0) -> RunResult:
    """Run the project's suite and collect per-test outcomes from the -rA summary."""
    # The corpus projects need no plugins; not autoloading them makes each run much faster.
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", PYTHONHASHSEED="0",
               PYTEST_DISABLE_PLUGIN_AUTOLOAD="1")
    env.pop("PYTEST_ADDOPTS", None)
    cmd = [sys.executable, "-m", "pytest", "-rA", "-q", "-p", "no:cacheprovider",
           "--color=no", "-W", "ignore", "tests"]
    proc = subprocess.run(cmd, cwd=workdir, capture_output=True, text=True,
                          timeout=timeout, env=env)
    result = RunResult(returncode=proc.returncode, output=proc.stdout + proc.stderr)
    for line in proc.stdout.splitlines():
        m = _SUMMARY.match(line)
        if not m:
            continue
        outcome, nodeid = m.groups()
        if outcome == "PASSED":
            result.passed.add(nodeid)
        elif outcome in ("FAILED", "ERROR"):
            result.failed.add(nodeid)
    return result


def run_buggy(case: Case, scratch: Path) -> RunResult:
    """Copy the case's base project into ``scratch``, inject the bug, run the suite."""
    work = copy_project(case.project, scratch)
    apply_patch(case.patch, work)
    return run_pytest(work)


def check_base(project: Path) -> tuple[bool, str]:
    with tempfile.TemporaryDirectory(prefix="corpus-base-") as tmp:
        res = run_pytest(copy_project(project, Path(tmp)))
    ok = res.returncode == 0 and not res.failed and bool(res.passed)
    return ok, f"{len(res.passed)} passed, {len(res.failed)} failed"


def check_case(case: Case) -> tuple[bool, str]:
    """Return (ok, detail) for one case."""
    problems = []
    if not case.patch.is_file():
        return False, f"missing patch {case.patch}"
    if not case.project.is_dir():
        return False, f"missing project {case.project}"
    if not case.failing:
        problems.append("failing list is empty")
    with tempfile.TemporaryDirectory(prefix="corpus-case-") as tmp:
        try:
            res = run_buggy(case, Path(tmp))
        except (RuntimeError, subprocess.TimeoutExpired) as exc:
            return False, str(exc).splitlines()[0]
    expected = set(case.failing)
    if res.failed != expected:
        extra = sorted(res.failed - expected)
        missing = sorted(expected - res.failed)
        problems.append(f"failing mismatch: unexpected={extra} not-failing={missing}")
    if not res.passed:
        problems.append("no test passes with the bug")
    if not res.failed and not res.passed:
        problems.append("no results parsed:\n" + res.output[-2000:])
    detail = "; ".join(problems) or f"{len(res.failed)} fail / {len(res.passed)} pass"
    return not problems, detail


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", nargs="*", help="case names (default: all)")
    args = parser.parse_args(argv)

    cases = load_cases(args.cases or None)
    projects = sorted({c.project for c in cases}) if args.cases else \
        sorted(p for p in PACKAGES_DIR.iterdir() if p.is_dir())
    bad = 0

    print(f"{'base project':40} {'ok':4} detail")
    for project in projects:
        ok, detail = check_base(project)
        bad += not ok
        print(f"{project.name:40} {'ok' if ok else 'FAIL':4} {detail}")
    print()
    print(f"{'case':40} {'kind':18} {'ed':>2} {'ok':4} detail")
    for case in cases:
        ok, detail = check_case(case)
        bad += not ok
        print(f"{case.name:40} {case.kind:18} {case.edits:>2} {'ok' if ok else 'FAIL':4} {detail}",
              flush=True)
    print()
    print(f"{len(projects)} projects, {len(cases)} cases, {bad} problem(s)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
