"""`remedy memory list|forget`: see and clear the memory of past fixes (agent.memory.recall)."""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from ..errors import BadInput
from .recall import forget, memories

__all__ = ["add_parser", "main"]


def add_parser(sub) -> None:
    memory = sub.add_parser("memory", help="the fixes Remedy remembers in this project")
    cmds = memory.add_subparsers(dest="memory_command", required=True)
    shown = cmds.add_parser("list", help="show the kept fixes, newest first")
    shown.add_argument("--root", default=".")
    shown.add_argument("--json", action="store_true")
    gone = cmds.add_parser("forget", help="remove kept fixes by id, or all of them")
    gone.add_argument("ids", nargs="*", metavar="ID")
    gone.add_argument("--all", action="store_true", help="remove every kept fix")
    gone.add_argument("--root", default=".")
    gone.add_argument("--json", action="store_true")


def main(args: argparse.Namespace) -> int:
    root = Path(args.root)
    if not root.is_dir():
        raise BadInput(f"not a project folder: {root}")
    if args.memory_command == "list":
        kept = memories(root)
        if args.json:
            print(json.dumps({"status": "ok", "memories": [
                {"id": m.id, "time": m.time, "template": m.template, "shape": m.shape, "site": m.site,
                 "path": m.edit.get("path"), "line": m.edit.get("line"), "failure": m.first_line,
                 "successes": m.successes} for m in kept]}))
        elif not kept:
            print("no fixes remembered in this project")
        for m in kept if not args.json else ():
            when = time.strftime("%Y-%m-%d %H:%M", time.localtime(m.time))
            where = f"{m.edit.get('path', '?')}:{m.edit.get('line', '?')}"
            print(f"{m.id:>4}  {when}  {m.template:<22} {where:<28} x{m.successes}  {m.first_line}")
            print(f"      {m.shape}")
        return 0
    ids: list[int] | None
    if args.all:
        if args.ids:
            raise BadInput("give ids or --all, not both")
        ids = None
    else:
        if not args.ids:
            raise BadInput("name the fixes to forget (ids from `remedy memory list`) or pass --all")
        try:
            ids = [int(i) for i in args.ids]
        except ValueError:
            raise BadInput(f"not a memory id: {next(i for i in args.ids if not i.isdigit())}") from None
        known = {m.id for m in memories(root)}
        unknown = [i for i in ids if i not in known]
        if unknown:
            raise BadInput(f"no remembered fix with id {unknown[0]} (see `remedy memory list`)")
    removed = forget(root, ids)
    if args.json:
        print(json.dumps({"status": "ok", "forgotten": removed}))
    else:
        print(f"forgot {removed} fix(es)")
    return 0
