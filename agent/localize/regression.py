"""Regression-aware localization: the lines changed since the test last passed are suspicious.

    changed = changed_since(root, "HEAD")            # {path: {line, ...}} of the working tree, or None
    lines = changed_lines(old_text, new_text)        # one file's changed lines, on the new text
    weights = regression_weights([(1.0, breaking_save), (0.8, since_last_pass), (0.5, changed)])

A line counts on the current file: an added or modified line is itself, a deleted one marks the
lines on either side of the gap. A change set too large to say much (`MAX_LINES`) is left out, as is
a file that is not project source (tests, non-Python files). Git is only read, never written to; no
git, no repository or an unknown revision is simply no change.
"""
from __future__ import annotations

import difflib
import hashlib
import subprocess
from collections.abc import Iterable, Mapping
from pathlib import Path

from ..project import is_source_file, read_regular, run_git

__all__ = ["changed_since", "changed_lines", "regression_weights", "MAX_LINES", "REGRESSION_BOOST"]

MAX_LINES = 200          # more changed lines than this in one change set say little about where
REGRESSION_BOOST = 0.6   # how much a changed line weighs beside the spectrum (the traceback's is 0.3)
_Changed = dict[str, set[int]]


def changed_since(root: Path, rev: str = "HEAD", *, timeout: float = 10.0) -> _Changed | None:
    """The working tree's changed lines against `rev` in the project's source files (untracked
    source files count whole); None when git cannot say (no git, no repository, unknown `rev`).

    Git reads only its own objects here (`ls-tree`, `cat-file`, `ls-files`, through
    agent.project.run_git: no hook, fsmonitor or filter of the repository's config runs); the
    working tree's files are read and compared by Remedy."""
    root = Path(root)
    listing = _git(root, ["ls-tree", "-r", "-z", "--full-tree", rev], timeout)
    prefix = _git(root, ["rev-parse", "--show-prefix"], timeout)
    if listing is None or prefix is None:
        return None
    prefix = prefix.strip()
    out: _Changed = {}
    for entry in listing.split("\0"):
        meta, _, path = entry.partition("\t")
        parts = meta.split()
        if len(parts) != 3 or parts[1] != "blob" or not path.startswith(prefix):
            continue
        rel = path[len(prefix):]
        if not rel.endswith(".py") or not is_source_file(rel):
            continue
        try:
            data = read_regular(root / rel, root=root)
        except OSError:
            continue        # deleted: its lines are gone, nothing to point at
        if _blob_id(data) == parts[2]:
            continue
        old = _git(root, ["cat-file", "blob", parts[2]], timeout)
        if old is not None:
            lines = changed_lines(old, data.decode("utf-8", errors="replace"))
            if lines:
                out[rel] = lines
    untracked = _git(root, ["ls-files", "-z", "--others", "--exclude-standard", "--", "*.py"], timeout) or ""
    for rel in untracked.split("\0"):
        if rel and is_source_file(rel):
            try:
                n = len(read_regular(root / rel, root=root).splitlines())
            except OSError:
                continue
            out[rel] = set(range(1, n + 1))
    return out


def changed_lines(old: str, new: str) -> set[int]:
    """The 1-based lines of `new` that differ from `old` (a deletion marks both neighbours)."""
    out: set[int] = set()
    matcher = difflib.SequenceMatcher(None, old.splitlines(), new.splitlines(), autojunk=False)
    for tag, _, _, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        out.update(range(j1 + 1, j2 + 1) if j2 > j1 else (j1, j1 + 1))
    return {n for n in out if n >= 1}


def regression_weights(layers: Iterable[tuple[float, Mapping[str, Iterable[int]] | None]]
                       ) -> dict[tuple[str, int], float]:
    """(path, line) -> weight in [0, 1]: each line its heaviest layer's weight. A layer with more
    than MAX_LINES lines is left out."""
    out: dict[tuple[str, int], float] = {}
    for weight, changed in layers:
        if not changed:
            continue
        locs = [(p, n) for p, lines in changed.items() if is_source_file(p) for n in lines]
        if len(locs) > MAX_LINES:
            continue
        for loc in locs:
            out[loc] = max(out.get(loc, 0.0), weight)
    return out


def _git(root: Path, args: list[str], timeout: float) -> str | None:
    try:
        done = run_git(["-c", "core.quotepath=off", *args], root, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.decode("utf-8", errors="replace") if done.returncode == 0 else None


def _blob_id(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
