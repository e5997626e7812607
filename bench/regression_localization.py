"""Regression-aware localization on bench/corpus, replayed as regressions: each case's correct
package is committed to a fresh git repository (the last commit passed), and its bug patch is the
working-tree change. The failing tests are reproduced and localized as a session does (agent.session's
reproduce and localize stages, the same sandbox and coverage), once with the spectrum and traceback
alone and once with the changed lines weighed in (agent.memory.test_history.regression_hints: no
watch history here, so the HEAD diff at 0.8). Prints the rank of the buggy line (the first changed
line of the patch; the best-ranked one when it changes several) in each, and the share ranked first.

    .venv/bin/python bench/regression_localization.py [--corpus bench/corpus] [--case NAME ...] [--json]
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.email=b@b", "-c", "user.name=bench", "-c", "commit.gpgsign=false",
                    *args], cwd=root, check=True, capture_output=True)


def replay(case, work: Path) -> dict:
    from agent.cancel import CancelToken
    from agent.config import Config
    from agent.localize import COVERAGE, changed_since, localize
    from agent.memory.test_history import regression_hints
    from agent.project import open_project
    from agent.reproduce import reproduce, reproduction_runner, target_files

    root = work / case.name
    shutil.copytree(case.project, root, ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache", ".remedy"))
    (root / "case.toml").unlink(missing_ok=True)
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "passing")
    _git(root, "apply", "--whitespace=nowarn", str(case.bug_patch))
    buggy = changed_since(root) or {}
    project = open_project(root, "")
    runner = reproduction_runner(project, Config())
    targets = list(case.failing)
    found = reproduce(project, runner, targets, target_files(project, targets), CancelToken(), COVERAGE)
    started = time.monotonic()
    hints = regression_hints(root, [t.test_id for t in found.failing])
    hint_s = time.monotonic() - started
    out = {"case": case.name, "buggy": sorted(f"{p}:{n}" for p, ls in buggy.items() for n in ls),
           "hint_seconds": round(hint_s, 3)}
    for name, changed in (("spectrum", None), ("regression", hints)):
        lines = localize(root, found.failing, found.coverage, changed=changed, limit=1000)
        ranks = [i + 1 for i, s in enumerate(lines) if s.line in buggy.get(s.path, ())]
        out[name] = min(ranks) if ranks else None
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default=str(Path(__file__).parent / "corpus"))
    ap.add_argument("--case", action="append", default=None)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    from agent.eval.corpus import load_corpus
    cases = [c for c in load_corpus(args.corpus, args.case) if c.bug_patch is not None]
    rows = []
    with tempfile.TemporaryDirectory(prefix="remedy-regression-") as tmp:
        for case in cases:
            row = replay(case, Path(tmp))
            rows.append(row)
            if not args.json:
                print(f"{row['case']:44s} spectrum {row['spectrum']!s:>5}  regression {row['regression']!s:>5}",
                      flush=True)
    n = len(rows)
    first = {k: sum(1 for r in rows if r[k] == 1) for k in ("spectrum", "regression")}
    summary = {"cases": n, "first_spectrum": first["spectrum"], "first_regression": first["regression"],
               "share_first_regression": round(first["regression"] / n, 4) if n else None,
               "max_hint_seconds": max((r["hint_seconds"] for r in rows), default=0.0)}
    if args.json:
        print(json.dumps({"rows": rows, **summary}))
    else:
        print(f"buggy line ranked first: spectrum {first['spectrum']}/{n}, regression {first['regression']}/{n} "
              f"({summary['share_first_regression']:.0%}); slowest hint {summary['max_hint_seconds']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
