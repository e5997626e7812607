"""`remedy finetune`: hosted fine-tunes through the providers' APIs, or a local LoRA adapter.

    remedy finetune --provider openai|together --model M [--file JSONL | --kind sft|dpo --root DIR]
                    [--epochs N] [--dry-run] [--yes] [--json] [--base-url URL] [--api-key-env VAR]
    remedy finetune --local CHECKPOINT --out ADAPTER [--file JSONL | --kind sft --root DIR]
                    [--epochs N] [--lora-r R] [--json]

The training file is checked against the provider's format before anything is sent. A hosted
fine-tune prints its cost estimate (agent.traces.export.training_tokens x epochs x the price in
agent/llm/data/training_prices.json) and asks before spending: on a terminal it asks; with
`--yes` it does not; anywhere else it refuses. `--dry-run` prints the requests it would send, the
key redacted, and sends nothing. Errors are one line (exit 2 for bad input, 3 for a provider's
refusal, 1 when the user declines); with `--json` stdout carries exactly one object, errors too.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ..errors import BadInput, RemedyError

__all__ = ["add_parsers", "main"]

EXIT_OK, EXIT_DECLINED, EXIT_BAD_INPUT, EXIT_ERROR = 0, 1, 2, 3


def add_parsers(sub) -> None:
    ft = sub.add_parser("finetune", help="fine-tune a hosted model on exported data, or train a local LoRA adapter")
    ft.add_argument("--provider", help="openai or together (hosted)")
    ft.add_argument("--model", help="base model to fine-tune (hosted)")
    ft.add_argument("--local", metavar="CHECKPOINT", help="train a LoRA adapter on this local checkpoint folder")
    ft.add_argument("--out", metavar="ADAPTER", help="adapter folder to write (--local)")
    ft.add_argument("--file", metavar="JSONL", help="training file (from `remedy export`)")
    ft.add_argument("--kind", help="sft or dpo: export this kind from --root's traces and train on it")
    ft.add_argument("--root", default=".", help="project whose traces --kind exports (default: .)")
    ft.add_argument("--epochs", default=None, help="passes over the data (hosted: 3, local: 1)")
    ft.add_argument("--lora-r", default="8", help="LoRA rank (--local)")
    ft.add_argument("--suffix", default=None, help="suffix of the fine-tuned model's name (hosted)")
    ft.add_argument("--base-url", default="", help="API base URL or preset (default: the provider's)")
    ft.add_argument("--api-key-env", default=None, help="environment variable holding the key "
                    "(default: OPENAI_API_KEY / TOGETHER_API_KEY)")
    ft.add_argument("--dry-run", action="store_true", help="print the requests, send nothing")
    ft.add_argument("--yes", action="store_true", help="do not ask before spending")
    ft.add_argument("--json", action="store_true", help="print one JSON object on stdout")


def main(args: argparse.Namespace) -> int:
    try:
        _check_values(args)
        result = _local(args) if args.local else _hosted(args)
        code = EXIT_DECLINED if result["status"] == "declined" else EXIT_OK
    except BadInput as exc:
        result, code = {"status": "error", "message": str(exc)}, EXIT_BAD_INPUT
    except RemedyError as exc:
        result, code = {"status": "error", "message": str(exc)}, EXIT_ERROR
    except OSError as exc:          # a disk that fills up while the adapter or the export is written
        where = f"{exc.filename}: " if exc.filename else ""
        result, code = {"status": "error", "message": f"{where}{exc.strerror or exc}"}, EXIT_ERROR
    if result["status"] in ("error", "declined", "dry_run"):
        label = "error: " if result["status"] == "error" else ""
        print(f"remedy: {label}{result['message']}", file=sys.stderr)
    if args.json:
        print(json.dumps(result))
    elif result["status"] == "dry_run":
        for request in result["requests"]:
            print(json.dumps(request, indent=2))
    elif result["status"] in ("submitted", "trained"):
        print(result["message"])
    return code


def _check_values(args: argparse.Namespace) -> None:
    """The values argparse is not asked to check, so that --json reports them in its object too."""
    if args.kind not in (None, "sft", "dpo"):
        raise BadInput(f"--kind must be sft or dpo, not {args.kind!r}")
    for flag in ("epochs", "lora_r"):
        value = getattr(args, flag)
        if value is None:
            continue
        try:
            number = int(value)
        except ValueError:
            number = 0
        if number < 1:
            raise BadInput(f"--{flag.replace('_', '-')} must be a whole number of at least 1, not {value!r}")
        setattr(args, flag, number)


def _training_rows(args: argparse.Namespace, provider: str, kind_needed: str | None = None) -> tuple[Path, str, list]:
    """The training file (given, or exported now under <root>/.remedy/finetune/) with its kind and
    its lines, checked against the provider's format."""
    from ..traces.export import rows_for, write_jsonl
    from .formats import read_training_file

    if args.file:
        path = Path(args.file)
        if not path.is_file():
            raise BadInput(f"no training file {path}")
    elif args.kind:
        root = Path(args.root)
        if not root.is_dir():
            raise BadInput(f"no such project root {root}")
        rows = rows_for(root, args.kind)
        if not rows:
            raise BadInput(f"no {args.kind} data under {root}: its traces hold no "
                           f"{'fixed LLM session' if args.kind == 'sft' else 'session with two patches'}")
        path = root / ".remedy" / "finetune" / f"{args.kind}.jsonl"
        write_jsonl(path, rows)
    else:
        raise BadInput("give the training data: --file JSONL, or --kind sft|dpo (with --root)")
    kind, rows = read_training_file(path, provider, args.kind or kind_needed)
    return path, kind, rows


def _hosted(args: argparse.Namespace) -> dict[str, Any]:
    from ..llm.catalog import training_price_of
    from ..secrets import secret
    from ..traces.export import training_tokens
    from . import providers

    if not args.provider:
        raise BadInput("give --provider openai|together (or --local CHECKPOINT)")
    settings = providers.provider_settings(args.provider)
    if not args.model:
        raise BadInput(f"give --model: the {args.provider} base model to fine-tune")
    epochs = 3 if args.epochs is None else args.epochs
    path, kind, rows = _training_rows(args, args.provider)
    if len(rows) < settings["min_lines"]:
        raise BadInput(f"{args.provider} takes at least {settings['min_lines']} training examples; "
                       f"{path} has {len(rows)}")
    tokens = training_tokens(rows) * epochs
    price = training_price_of(args.model)
    estimate = {"training_tokens": tokens, "epochs": epochs, "lines": len(rows),
                "usd_per_million": price, "cost_usd": None if price is None else round(tokens * price / 1e6, 4)}
    print(f"remedy: {args.provider} {kind} fine-tune of {args.model} on {len(rows)} line(s) of {path}: "
          f"~{tokens:,} training tokens ({epochs} epoch(s)) "
          + (f"≈ ${estimate['cost_usd']:.2f} at ${price}/M tokens" if price is not None
             else "at a price Remedy does not know (see the provider's pricing page)"), file=sys.stderr)
    key_env = args.api_key_env or settings["api_key_env"]
    key = secret(key_env)
    base = {"provider": args.provider, "model": args.model, "kind": kind, "training_file_path": str(path),
            "estimate": estimate}
    if args.dry_run:
        would_upload = providers.upload_request(args.provider, args.base_url, key or "", path)
        would_create = providers.job_request(args.provider, args.base_url, key or "", args.model,
                                             providers.FILE_ID_PLACEHOLDER, kind, epochs, args.suffix)
        return dict(base, status="dry_run", requests=[would_upload.shown(), would_create.shown()],
                    message="dry run: nothing was sent")
    if not key:
        raise BadInput(f"{key_env} is not set: it must hold the {args.provider} API key (or pass --api-key-env)")
    if not args.yes and not _confirmed(estimate, args):
        return dict(base, status="declined", message="fine-tune not started (declined)")
    uploaded = providers.send(providers.upload_request(args.provider, args.base_url, key, path), args.provider)
    job = providers.send(providers.job_request(args.provider, args.base_url, key, args.model, uploaded["id"],
                                               kind, epochs, args.suffix), args.provider)
    return dict(base, status="submitted", training_file=uploaded["id"],
                job={"id": job["id"], "status": job.get("status")},
                message=f"{args.provider} fine-tuning job {job['id']} created ({job.get('status') or 'submitted'}) "
                        f"on file {uploaded['id']}")


def _confirmed(estimate: dict[str, Any], args: argparse.Namespace) -> bool:
    """Ask on the terminal; refuse (BadInput) where nobody can answer."""
    if not (sys.stdin.isatty() and sys.stderr.isatty()):
        raise BadInput("a fine-tune spends money and there is no terminal to confirm it on: "
                       "pass --yes (or --dry-run to see the requests)")
    cost = "an unknown amount" if estimate["cost_usd"] is None else f"about ${estimate['cost_usd']:.2f}"
    print(f"remedy: start the {args.provider} fine-tune of {args.model} for {cost}? [y/N] ",
          end="", file=sys.stderr, flush=True)
    return sys.stdin.readline().strip().lower() in ("y", "yes")


def _local(args: argparse.Namespace) -> dict[str, Any]:
    from .local import require_peft, train_adapter

    require_peft()
    if args.provider:
        raise BadInput("--local trains on this machine: drop --provider")
    if not args.out:
        raise BadInput("give --out ADAPTER: the adapter folder to write")
    if args.kind == "dpo":
        raise BadInput("--local trains on sft lines (--kind sft or an sft --file)")
    path, kind, rows = _training_rows(args, "openai", kind_needed="sft")
    if kind != "sft":
        raise BadInput(f"--local trains on sft lines; {path} holds {kind} lines")
    result = train_adapter(Path(args.local), rows, Path(args.out), epochs=args.epochs or 1, lora_r=args.lora_r)
    result["message"] = (f"LoRA adapter written to {result['adapter']} ({result['examples']} example(s), "
                         f"{result['steps']} step(s) on {result['device']}, loss {result['loss_first']} -> "
                         f"{result['loss_last']}); use it with `remedy fix --model {result['adapter']}`")
    return result
