"""The whole of `remedy learn`: walk the fix commits after the last one mined, replay each, and keep
what it teaches in the project's learning store (agent.memory.store): the labelled candidate set of
every fix the engine can express (source "history"), the count of every fix's edit shape (state
`learn.shapes`), and the last commit mined (state `learn.last`), so a later run starts there."""
from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import BadInput
from ..generate.learned import dumps
from ..memory.learning import PATTERNS_KEY, add_ranked_set
from ..memory.store import open_store
from ..rank.shape import shape_of
from .history import FixCommit, fix_commits
from .mine import mine_fix
from .patterns import MAX_EXAMPLES, fix_tokens, mine_patterns

__all__ = ["LearnReport", "learn", "LAST_KEY", "SHAPES_KEY"]

LAST_KEY = "learn.last"
SHAPES_KEY = "learn.shapes"
EXAMPLES_KEY = "learn.examples"      # every one-hunk fix's changed tokens, for the patterns


@dataclass
class LearnReport:
    since: str | None
    last: str | None = None
    commits: int = 0              # fix-sized commits replayed
    expressible: int = 0          # of those, the engine's candidates made the human change
    added: int = 0                # labelled sets added to the store
    ranks: list[int] = field(default_factory=list)      # the human change's shipped rank, each
    shapes: Counter = field(default_factory=Counter)    # every replayed fix's edit shape
    patterns: list = field(default_factory=list)        # agent.generate.learned.Pattern, all mined so far

    def to_json(self) -> dict:
        top1 = sum(1 for r in self.ranks if r == 1)
        top5 = sum(1 for r in self.ranks if r <= 5)
        return {"status": "ok", "since": self.since, "last": self.last, "commits": self.commits,
                "expressible": self.expressible, "added": self.added, "top1": top1, "top5": top5,
                "recurring_shapes": [{"shape": s, "count": n} for s, n in self.shapes.most_common() if n > 1][:20],
                "patterns": [{"pattern": p.describe(), "fixes": p.count} for p in self.patterns[:20]]}


def learn(root: Path | str, *, since: str | None = None, until: str = "HEAD",
          on_commit: Callable[[int, int, FixCommit], None] | None = None) -> LearnReport:
    """Mine the history of the repository at `root` from `since` (default: after the last commit
    mined before; the whole history the first time) to `until`."""
    root = Path(root)
    store = open_store(root)
    start = since if since is not None else store.get_state(LAST_KEY)
    commits = _commits(root, start, until)
    report = LearnReport(since=start)
    shapes = Counter(store.get_state(SHAPES_KEY, {}))
    examples = [tuple(e) for e in store.get_state(EXAMPLES_KEY, [])]
    for n, commit in enumerate(commits, 1):
        if on_commit is not None:
            on_commit(n, len(commits), commit)
        mined = mine_fix(commit)
        report.last = commit.sha
        if mined is None:
            continue
        report.commits += 1
        before, after = commit.files[mined.path]
        tokens = fix_tokens(before.decode("utf-8", "replace"), after.decode("utf-8", "replace"))
        if tokens is not None:
            examples.append(tokens)
        shape = shape_of(mined.human, {mined.path: commit.files[mined.path][0]}).partition("|")[2] \
            if mined.human is not None else mined.shape
        report.shapes[shape] += 1
        shapes[shape] += 1
        if mined.human is None:
            continue
        report.expressible += 1
        report.ranks.append(mined.rank or 0)
        files = {mined.path: commit.files[mined.path][0]}
        if add_ranked_set(store, mined.human, files, source="history", label=True,
                          meta={"commit": commit.sha, "time": commit.time, "path": mined.path,
                                "shipped_rank": mined.rank, "summary": commit.summary}):
            report.added += 1
    if report.last is not None and until == "HEAD":
        store.set_state(LAST_KEY, report.last)
    store.set_state(SHAPES_KEY, dict(shapes))
    examples = examples[-MAX_EXAMPLES:]
    store.set_state(EXAMPLES_KEY, [list(map(list, e)) for e in examples])
    report.patterns = mine_patterns(examples)
    store.set_state(PATTERNS_KEY, json.loads(dumps(report.patterns)))
    return report


def _commits(root: Path, since: str | None, until: str) -> list[FixCommit]:
    import git
    try:
        return list(fix_commits(root, since=since, until=until))
    except git.InvalidGitRepositoryError:
        raise BadInput(f"not a git repository: {root}") from None
    except git.NoSuchPathError:
        raise BadInput(f"no such folder: {root}") from None
    except git.GitCommandError as exc:
        what = since if since is not None else until
        raise BadInput(f"unknown revision {what!r} in {root}: {str(exc.stderr).strip().splitlines()[-1][:160]}"
                       if exc.stderr and str(exc.stderr).strip() else f"unknown revision {what!r} in {root}") from None
    except ValueError as exc:
        raise BadInput(f"cannot read the history of {root}: {exc}") from None
