"""Fix commits of a project's git history, read with GitPython: non-merge commits that change at
most `MAX_LINES` lines of one or two Python source files (tests aside) and either say they fix
something or make a change small enough to be one (`looks_like_fix`)."""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..project import is_source_file

__all__ = ["FixCommit", "fix_commits", "MAX_LINES", "looks_like_fix"]

MAX_LINES = 6
MAX_FILES = 2
_FIX_WORDS = re.compile(r"\b(fix(e[sd])?|bug|issue|error|wrong|incorrect|correct(ed|s)?|typo|crash|broken|"
                        r"regression|handle[sd]?|off[- ]by[- ]one|avoid|prevent)\b", re.I)


@dataclass(frozen=True)
class FixCommit:
    sha: str
    parent: str
    time: int                     # committed, seconds since the epoch
    message: str
    files: dict[str, tuple[bytes, bytes]]    # path -> (before, after)

    @property
    def summary(self) -> str:
        return self.message.strip().splitlines()[0][:100] if self.message.strip() else ""


def looks_like_fix(message: str) -> bool:
    return bool(_FIX_WORDS.search(message))


def fix_commits(root: Path | str, *, since: str | None = None, until: str = "HEAD",
                any_message: bool = True) -> Iterator[FixCommit]:
    """Fix-sized commits reachable from `until` and not from `since`, oldest first. With
    `any_message` (the default), a small change counts whatever its message says: the caller
    keeps only those the engine can express."""
    import git

    repo = git.Repo(str(root), search_parent_directories=False)
    rev = f"{since}..{until}" if since else until
    commits = list(repo.iter_commits(rev, no_merges=True, reverse=True))
    for commit in commits:
        if len(commit.parents) != 1:
            continue
        if not any_message and not looks_like_fix(str(commit.message)):
            continue
        parent = commit.parents[0]
        stats = commit.stats.files
        sources = {str(p): v for p, v in stats.items() if str(p).endswith(".py") and is_source_file(str(p))}
        if not sources or len(sources) > MAX_FILES or len(stats) > MAX_FILES + 2:
            continue
        if sum(max(int(v["insertions"]), int(v["deletions"])) for v in sources.values()) > MAX_LINES:
            continue
        files: dict[str, tuple[bytes, bytes]] = {}
        for path in sources:
            try:
                before = parent.tree[path].data_stream.read()
                after = commit.tree[path].data_stream.read()
            except KeyError:        # added or removed: nothing to repair
                files = {}
                break
            files[path] = (before, after)
        if files:
            yield FixCommit(commit.hexsha, parent.hexsha, int(commit.committed_date), str(commit.message), files)
