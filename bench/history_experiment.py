"""The history experiment of issue 23: does a project's own past make the ranker better on its
future fixes? For each repository: its fix-sized commits (agent.learn.history) in time order, the
older 80% learnt (`remedy learn`'s replay: the human change labelled among the engine's
candidates, the per-project model fitted from those sets) and, for each fix in the newest 20% that
the candidates can express, the human change's place among them: by the shipped ranker alone and
with the learnt project model's correction added (agent.rank.project_model).

    .venv/bin/python bench/history_experiment.py REPO_DIR [REPO_DIR ...] [--last N] [--json]

A REPO_DIR is a clone with a work tree, or a bare repository (it is cloned to a temporary folder).
Nothing of the repositories is written anywhere but that folder and a temporary learning store.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _clone(repo: Path, tmp: Path) -> Path:
    if (repo / ".git").exists():
        return repo
    dest = tmp / repo.parent.name
    subprocess.run(["git", "clone", "-q", str(repo), str(dest)], check=True, capture_output=True)
    return dest


def experiment(repo: Path, last: int, tmp: Path) -> dict:
    import numpy as np

    from agent.learn.history import fix_commits
    from agent.learn.mine import mine_fix
    from agent.memory.learning import add_ranked_set
    from agent.memory.store import open_store
    from agent.rank import scored_set_of
    from agent.rank.project_model import ProjectModel
    from agent.rank.shape import shape_of

    root = _clone(repo, tmp)
    started = time.monotonic()
    commits = list(fix_commits(root))[-last:]
    commits.sort(key=lambda c: c.time)
    cut = int(len(commits) * 0.8)
    store = open_store(tmp / f"store-{root.name}")
    learnt = 0
    for commit in commits[:cut]:
        mined = mine_fix(commit)
        if mined is not None and mined.human is not None:
            learnt += add_ranked_set(store, mined.human, {mined.path: commit.files[mined.path][0]},
                                     source="history", label=True)
    model = ProjectModel.of_store(store)
    shipped, learned = [], []
    for commit in commits[cut:]:
        mined = mine_fix(commit)
        if mined is None or mined.human is None:
            continue
        scored = scored_set_of(mined.human.id)
        if scored is None:
            continue
        files = {mined.path: commit.files[mined.path][0]}
        energy = np.asarray(scored.energies)
        shapes = [(c.template, shape_of(c, files)) for c in scored.candidates]
        corrected = energy + model.delta(np.asarray(scored.features), shapes)
        me = scored.ids.index(mined.human.id)
        shipped.append(int((energy < energy[me]).sum()) + 1)
        learned.append(int((corrected < corrected[me]).sum()) + 1)

    def top(ranks: list[int], k: int) -> float | None:
        return round(sum(1 for r in ranks if r <= k) / len(ranks), 4) if ranks else None
    return {"repo": str(repo), "fix_commits": len(commits), "learnt_on": cut, "learnt_sets": learnt,
            "tested": len(shipped), "shipped_top1": top(shipped, 1), "shipped_top5": top(shipped, 5),
            "learned_top1": top(learned, 1), "learned_top5": top(learned, 5), "shipped_ranks": shipped,
            "learned_ranks": learned, "seconds": round(time.monotonic() - started, 1)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("repos", nargs="+", type=Path)
    ap.add_argument("--last", type=int, default=300, help="the most recent N fix-sized commits of each")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory(prefix="remedy-history-") as tmp:
        for repo in args.repos:
            row = experiment(repo, args.last, Path(tmp))
            rows.append(row)
            if not args.json:
                print(f"{Path(row['repo']).parent.name:40s} fixes {row['fix_commits']:4d} learnt on {row['learnt_on']:4d}"
                      f" ({row['learnt_sets']} sets)  tested {row['tested']:3d}  top-1 {row['shipped_top1']} -> "
                      f"{row['learned_top1']}  top-5 {row['shipped_top5']} -> {row['learned_top5']}  "
                      f"({row['seconds']} s)", flush=True)
    tested = [r for r in rows if r["tested"]]
    if tested:
        mean = {k: round(sum(r[k] for r in tested) / len(tested), 4)
                for k in ("shipped_top1", "shipped_top5", "learned_top1", "learned_top5")}
    else:
        mean = {}
    if args.json:
        print(json.dumps({"rows": rows, "mean": mean}))
    else:
        print(f"mean over {len(tested)} repositories: {mean}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
