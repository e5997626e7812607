"""CLI pieces for the LLM engine and its data: the `fix` flags that mirror the `remedy.llm.*`
settings, the TTY approver for risky agent actions, and `remedy export sft|dpo` / `remedy cost`."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..config import TOOL_PROTOCOLS, LlmConfig

__all__ = ["add_fix_flags", "llm_config", "tty_approver", "add_parsers", "main"]


def add_fix_flags(fix: argparse.ArgumentParser) -> None:
    fix.add_argument("--base-url", default="", help="OpenAI-compatible endpoint or preset "
                     "(openai, together, vllm, ollama, llamacpp)")
    fix.add_argument("--model", default="", help="model name, local checkpoint folder, or scripted:FILE")
    fix.add_argument("--api-key-env", default="OPENAI_API_KEY", help="environment variable holding the key")
    fix.add_argument("--tool-protocol", default="native", choices=TOOL_PROTOCOLS)
    fix.add_argument("--max-steps", type=int, default=30, help="agent step cap")
    fix.add_argument("--no-reflection", action="store_true", help="turn reflection off (ablations)")


def llm_config(args: argparse.Namespace) -> LlmConfig:
    return LlmConfig(base_url=args.base_url, model=args.model, api_key_env=args.api_key_env,
                     tool_protocol=args.tool_protocol, reflection=not args.no_reflection,
                     max_steps=args.max_steps)


def tty_approver(question: str) -> bool:
    """Ask on a terminal; deny when nobody can answer (no TTY)."""
    if not (sys.stdin.isatty() and sys.stderr.isatty()):
        print(f"remedy: denied (no terminal to ask): {question}", file=sys.stderr)
        return False
    print(f"remedy: {question} [y/N] ", end="", file=sys.stderr, flush=True)
    return sys.stdin.readline().strip().lower() in ("y", "yes")


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

    if args.command == "export":
        n = export(Path(args.root), args.kind, Path(args.out))
        print(f"wrote {n} {args.kind} row(s) to {args.out}", file=sys.stderr)
        return 0
    print(json.dumps(estimate_cost(Path(args.root), args.model, args.sessions, args.epochs, args.train_price)))
    return 0
