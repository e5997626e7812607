"""`remedy learn [--root DIR] [--since REV] [--until REV] [--json]`."""
from __future__ import annotations

import argparse
import json
import sys

from .run import learn

__all__ = ["add_parser", "main"]


def add_parser(sub) -> None:
    p = sub.add_parser("learn", help="learn fix patterns from the project's git history")
    p.add_argument("--root", default=".", help="the project (a git repository; default: .)")
    p.add_argument("--since", default=None, metavar="REV",
                   help="mine the commits after REV (default: after the last commit mined)")
    p.add_argument("--until", default="HEAD", metavar="REV", help="mine up to REV (default: HEAD)")
    p.add_argument("--json", action="store_true")


def main(args: argparse.Namespace) -> int:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(TextColumn("learning from history"), BarColumn(), MofNCompleteColumn(),
                  TimeRemainingColumn(), TextColumn("{task.description}"),
                  console=_stderr_console(), transient=True, disable=not sys.stderr.isatty()) as bar:
        task = bar.add_task("", total=None)

        def step(n: int, total: int, commit) -> None:
            bar.update(task, completed=n, total=total, description=commit.sha[:8])
        report = learn(args.root, since=args.since, until=args.until, on_commit=step)
    data = report.to_json()
    if args.json:
        print(json.dumps(data))
    else:
        print(f"{report.commits} fix commits replayed, {report.expressible} the engine can express, "
              f"{report.added} added to the learning store (human change first in {data['top1']}, "
              f"in the top 5 in {data['top5']})")
        for item in data["recurring_shapes"][:5]:
            print(f"  x{item['count']}  {item['shape']}")
    return 0


def _stderr_console():
    from rich.console import Console
    return Console(file=sys.stderr)
