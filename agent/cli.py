"""`remedy` command line: fix · bench · doctor (and the ranker, LLM and export commands as they land).

The `fix` contract is in DESIGN.md ("CLI contract"): progress on stderr, `--json` puts exactly one
JSON object on stdout, exit 0 fixed/already passing, 1 no fix, 2 bad input (one line), 130 on Ctrl-C.
Every flag that sets a `Config` field takes its default from `Config()`, so the CLI and the editor's
settings start from the same values (tests/test_cli_defaults.py).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
from pathlib import Path
from typing import NoReturn, Sequence

from .cancel import CancelToken
from .config import ENGINES, RANKERS, TOOL_PROTOCOLS, Config, LlmConfig
from .errors import BadInput, RemedyError
from .events import Done, Error
from .secrets import take_from_environment
from .sandbox.confine import announce_unsafe
from .types import FixResult, FixStatus

__all__ = ["main"]

EXIT_OK, EXIT_NO_FIX, EXIT_BAD_INPUT, EXIT_ERROR, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


class _UsageError(Exception):
    """A command line argparse refuses; the message is its one line."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:   # one line, no usage dump
        raise _UsageError(message)


def add_sandbox_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--unsafe-sandbox", action="store_true",
                        help="run the tests WITHOUT the sandbox (only where none can run)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="remedy", description="Fix failing Python tests; review the diff.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    defaults = Config()
    _add_fix_parser(sub, defaults)

    from .eval.bench import add_parser as add_bench_parser
    add_bench_parser(sub)

    sub.add_parser("undo", help="restore the files changed by the last --apply").add_argument(
        "--root", default=".")

    from .rank.training.cli import add_parsers as add_ebm_parsers
    add_ebm_parsers(sub)
    from .traces.cli import add_parsers as add_trace_parsers
    add_trace_parsers(sub)
    from .finetune.cli import add_parsers as add_finetune_parsers
    add_finetune_parsers(sub)
    from .watch.cli import add_parser as add_watch_parser
    add_sandbox_flag(add_watch_parser(sub))
    from .doctor import add_parser as add_doctor_parser
    add_sandbox_flag(add_doctor_parser(sub))
    from .memory.cli import add_parser as add_memory_parser
    add_memory_parser(sub)
    from .learn.cli import add_parser as add_learn_parser
    add_learn_parser(sub)
    return parser


def _add_fix_parser(sub, defaults: Config) -> None:
    fix = sub.add_parser("fix", help="reproduce, localize and fix failing tests")
    fix.add_argument("test_ids", nargs="*", metavar="TEST_ID",
                     help="pytest node id or test file relative to the root (none: all failing tests)")
    fix.add_argument("--root", default=".", help="project root (default: .)")
    fix.add_argument("--engine", default=defaults.engine, choices=ENGINES)
    fix.add_argument("--ranker", default=defaults.ranker, choices=RANKERS)
    fix.add_argument("--no-probe", dest="probe", action="store_false", default=defaults.probe,
                     help="validate in ranker order, without the value probe of the failing tests")
    fix.add_argument("--apply", action="store_true", help="write the patch into the root")
    fix.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    fix.add_argument("--time-budget", type=float, default=defaults.time_budget, metavar="S")
    fix.add_argument("--max-candidates", type=int, default=defaults.max_candidates)
    fix.add_argument("--python", default=defaults.python, help="interpreter that runs the tests (default: detect)")
    fix.add_argument("--workers", type=int, default=defaults.workers)
    add_sandbox_flag(fix)
    _add_llm_flags(fix, defaults.llm)


def _add_llm_flags(fix: argparse.ArgumentParser, llm: LlmConfig) -> None:
    """The LLM engine's flags: the `remedy.llm.*` settings, and the agent's step cap and reflection."""
    fix.add_argument("--base-url", default=llm.base_url, help="OpenAI-compatible endpoint or preset "
                     "(openai, together, vllm, ollama, llamacpp)")
    fix.add_argument("--model", default=llm.model, help="model name, local checkpoint folder, or scripted:FILE")
    fix.add_argument("--api-key-env", default=llm.api_key_env, help="environment variable holding the key")
    fix.add_argument("--tool-protocol", default=llm.tool_protocol, choices=TOOL_PROTOCOLS)
    fix.add_argument("--max-steps", type=int, default=llm.max_steps, help="agent step cap")
    fix.add_argument("--no-reflection", dest="reflection", action="store_false", default=llm.reflection,
                     help="turn reflection off (ablations)")


def _fix_config(args: argparse.Namespace) -> Config:
    """The `Config` the `fix` flags ask for; BadInput for a value it refuses."""
    llm = LlmConfig(base_url=args.base_url, model=args.model, api_key_env=args.api_key_env,
                    tool_protocol=args.tool_protocol, reflection=args.reflection, max_steps=args.max_steps)
    return Config(engine=args.engine, ranker=args.ranker, probe=args.probe, time_budget=args.time_budget,
                  max_candidates=args.max_candidates, python=args.python, workers=_workers(args.workers),
                  unsafe_sandbox=args.unsafe_sandbox, llm=llm)


def _tty_approver(question: str) -> bool:
    """Ask on a terminal whether the agent may take a risky action; deny when nobody can answer
    (no TTY)."""
    if not (sys.stdin.isatty() and sys.stderr.isatty()):
        print(f"remedy: denied (no terminal to ask): {question}", file=sys.stderr)
        return False
    print(f"remedy: {question} [y/N] ", end="", file=sys.stderr, flush=True)
    return sys.stdin.readline().strip().lower() in ("y", "yes")


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = build_parser().parse_args(argv)
    except _UsageError as exc:
        print(f"remedy: error: {exc}", file=sys.stderr)
        if argv[:1] == ["fix"] and "--json" in argv:       # the contract's object, even now
            print(json.dumps(FixResult(FixStatus.ERROR, engine="", message=str(exc)).to_json()))
        else:
            _json_error(argv, "bad_input", str(exc))
        return EXIT_BAD_INPUT
    take_from_environment([getattr(args, "api_key_env", None)])   # before any child starts
    try:
        if args.command == "fix":
            return _fix(args)
        if args.command == "bench":
            from .eval.bench import main as bench_main
            return bench_main(args)
        if args.command == "ebm":
            from .memory.feedback import read_feedback
            from .rank.training.cli import main as ebm_main
            return ebm_main(args, read_feedback=read_feedback)
        if args.command in ("export", "cost"):
            from .traces.cli import main as traces_main
            return traces_main(args)
        if args.command == "finetune":
            from .finetune.cli import main as finetune_main
            return finetune_main(args)
        if args.command == "watch":
            from .watch.cli import main as watch_main
            return watch_main(args)
        if args.command == "doctor":
            from .doctor import main as doctor_main
            return doctor_main(args)
        if args.command == "learn":
            from .learn.cli import main as learn_main
            return learn_main(args)
        if args.command == "memory":
            from .memory.cli import main as memory_main
            return memory_main(args)
        if args.command == "undo":
            from .sandbox.apply import remove_leftovers, undo_last
            remove_leftovers(Path(args.root))
            restored = undo_last(Path(args.root))
            if restored is None:
                raise BadInput(f"nothing to undo under {args.root}")
            print(f"restored {len(restored.files)} file(s): {', '.join(map(str, restored.files))}",
                  file=sys.stderr)
            return EXIT_OK
    except BadInput as exc:
        print(f"remedy: error: {exc}", file=sys.stderr)
        _json_error(argv, "bad_input", str(exc))
        return EXIT_BAD_INPUT
    except RemedyError as exc:
        print(f"remedy: error: {exc}", file=sys.stderr)
        _json_error(argv, "error", str(exc))
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("remedy: interrupted", file=sys.stderr)
        _json_error(argv, "interrupted", "interrupted")
        return EXIT_INTERRUPTED
    return EXIT_BAD_INPUT


def _json_error(argv: Sequence[str], kind: str, message: str) -> None:
    """With --json, a command that stopped on an error still prints its one object (`fix` prints
    its FixResult itself)."""
    if "--json" in argv and argv[:1] != ["fix"]:
        print(json.dumps({"status": "error", "error": kind, "message": message}))


def _fix(args: argparse.Namespace) -> int:
    from .render import ProgressPrinter

    try:
        config = _fix_config(args)
    except BadInput as exc:
        return _failed(args, FixResult(FixStatus.ERROR, engine=args.engine, message=str(exc)), EXIT_BAD_INPUT)
    if config.unsafe_sandbox:
        announce_unsafe()
    if Path(args.root).is_dir():
        from .sandbox.apply import remove_leftovers
        remove_leftovers(Path(args.root))      # what an apply killed midway left behind
    cancel = CancelToken()
    printer = ProgressPrinter()
    try:
        result, bad_input = asyncio.run(_drive(Path(args.root), args.test_ids, config, cancel, printer))
    except (RemedyError, OSError) as exc:     # a failure the session did not turn into events
        return _failed(args, FixResult(FixStatus.ERROR, engine=config.engine, message=_one_line(exc)),
                       EXIT_BAD_INPUT if isinstance(exc, BadInput) else EXIT_ERROR)
    if result.status is FixStatus.FIXED and args.apply and result.proposal is not None:
        try:
            result.message = _apply(Path(args.root), result)
            from .memory.learning import record_applied
            record_applied(Path(args.root), result.proposal)
        except (RemedyError, OSError) as exc:
            result.status, result.message = FixStatus.ERROR, f"patch not applied: {_one_line(exc)}"
            return _failed(args, result, EXIT_BAD_INPUT if isinstance(exc, BadInput) else EXIT_ERROR)
    if args.json:
        print(json.dumps(result.to_json()))
    else:
        printer.final(result)
    if cancel.cancelled:
        return EXIT_INTERRUPTED
    if bad_input:
        return EXIT_BAD_INPUT
    return {FixStatus.FIXED: EXIT_OK, FixStatus.ALREADY_PASSING: EXIT_OK,
            FixStatus.NO_FIX: EXIT_NO_FIX}.get(result.status, EXIT_ERROR)


def _failed(args: argparse.Namespace, result: FixResult, code: int) -> int:
    """End `fix` with an error the session did not report: one line, and the JSON object."""
    print(f"remedy: error: {result.message}", file=sys.stderr)
    if args.json:
        print(json.dumps(result.to_json()))
    return code


def _one_line(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.filename}: {exc.strerror}" if exc.filename else exc.strerror
    return str(exc)


def _workers(requested: int) -> int:
    """At most one validation worker per CPU this process may run on: more only contend."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if requested > cpus:
        print(f"remedy: --workers {requested} capped at {cpus}, the CPUs available", file=sys.stderr)
    return max(1, min(requested, cpus))


async def _drive(root: Path, test_ids, config: Config, cancel: CancelToken, printer) -> tuple[FixResult, bool]:
    from . import run_repair

    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGINT, cancel.cancel)
    loop.add_signal_handler(signal.SIGTERM, cancel.cancel)
    result, bad_input = FixResult(FixStatus.ERROR, message="session ended without a result"), False
    async for event in run_repair(root, test_ids, config, cancel, approve=_tty_approver):
        printer.event(event)
        if isinstance(event, Error) and event.kind == "bad_input":
            bad_input = True
        if isinstance(event, Done):
            result = event.result
    return result, bad_input


def _apply(root: Path, result: FixResult) -> str:
    from .diff import apply_hunks
    from .sandbox.apply import apply_to_root
    from .source_encoding import decode_source, encode_source

    proposal = result.proposal
    assert proposal is not None
    root = root.resolve()
    new_files: dict[str, bytes] = {}
    for path, base in proposal.base_texts.items():
        data = (root / path).read_bytes()
        if decode_source(data, path) != base:
            raise RemedyError(f"{path} changed while the repair ran")
        hunks = [h for h in proposal.hunks if h.path == path]
        new_files[path] = encode_source(apply_hunks(base, hunks), data, path)
    apply_to_root(root, new_files)
    return f"{result.message} (applied to {', '.join(sorted(new_files))}; `remedy undo` reverts)"


if __name__ == "__main__":
    sys.exit(main())
