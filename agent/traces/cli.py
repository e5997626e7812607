"""`remedy export sft|dpo` (fine-tuning data from traces and editor decisions) and `remedy cost`
(what a bench run or a fine-tune would cost, from traced token counts)."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..errors import BadInput

__all__ = ["add_parsers", "main"]


def add_parsers(sub) -> None:
    export = sub.add_parser("export", help="fine-tuning data from traces and editor decisions")
    export.add_argument("kind", choices=("sft", "dpo"))
    export.add_argument("--root", default=".")
    export.add_argument("--out", required=True, help="JSONL file to write")
    cost = sub.add_parser("cost", help="estimate a bench run or a fine-tune from traced token counts")
    cost.add_argument("--root", default=".")
    cost.add_argument("--model", required=True, help="model whose prices apply")
    cost.add_argument("--sessions", type=int, default=0, help="sessions in the planned run")
    cost.add_argument("--epochs", type=int, default=3)
    cost.add_argument("--train-price", type=float, default=None, help="USD per million training tokens")


def main(args: argparse.Namespace) -> int:
    from .export import estimate_cost, export

    if not Path(args.root).is_dir():
        raise BadInput(f"no such project root {args.root}")
    if args.command == "export":
        try:
            n = export(Path(args.root), args.kind, Path(args.out))
        except OSError as exc:
            raise BadInput(f"cannot write {args.out}: {exc.strerror or exc}") from None
        print(f"wrote {n} {args.kind} row(s) to {args.out}", file=sys.stderr)
        return 0
    print(json.dumps(estimate_cost(Path(args.root), args.model, args.sessions, args.epochs, args.train_price)))
    return 0
