"""`remedy watch [--root DIR] [--auto-repair]`: the background watch pipeline in a terminal.

Failing tests and tests that pass again are printed to stdout as runs finish; with --auto-repair
each proposal's diff follows (never applied). Ctrl-C stops cleanly with exit 0; a bad root is one
line on stderr and exit 2.
"""
from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path

from ..config import Config, WatchConfig
from ..events import Done, Error, Event, ProposalReady
from ..sandbox.confine import announce_unsafe
from .pipeline import Watcher, WatchUpdate
from .auto_repair import RepairJob

__all__ = ["add_parser", "main"]


def add_parser(sub) -> argparse.ArgumentParser:
    defaults = Config()
    watch = sub.add_parser("watch", help="re-run affected tests on every save; report failures")
    watch.add_argument("--root", default=".", help="project root (default: .)")
    watch.add_argument("--auto-repair", action="store_true", default=defaults.watch.auto_repair,
                       help="prepare a fix in the background after a failing run (never applied)")
    watch.add_argument("--python", default=defaults.python, help="interpreter that runs the tests (default: detect)")
    watch.add_argument("--debounce", type=float, default=defaults.watch.debounce_s, metavar="S")
    return watch


def _print_update(update: WatchUpdate) -> None:
    for result in update.failing:
        first = result.message.strip().splitlines()[:1]
        print(f"FAIL {result.test_id}" + (f" — {first[0]}" if first else ""), flush=True)
    for test_id in update.fixed:
        print(f"PASS {test_id} (fixed)", flush=True)
    if update.ran and not update.failing:
        print(f"ok   {len(update.ran)} affected test(s) pass ({', '.join(update.changed)})", flush=True)


def _print_event(job: RepairJob, event: Event) -> None:
    if isinstance(event, ProposalReady):
        p = event.proposal
        print(f"FIX  {', '.join(job.tests)}: {p.summary} (review; not applied)\n{p.patch}", flush=True)
    elif isinstance(event, Error) and event.kind == "cancelled":
        print(f"     repair of {', '.join(job.tests)} cancelled (files changed)", flush=True)
    elif isinstance(event, Done) and not event.result.proposal:
        print(f"     no fix for {', '.join(job.tests)}: {event.result.message}", flush=True)


def main(args: argparse.Namespace) -> int:
    root = Path(args.root).expanduser()
    if not root.is_dir():
        print(f"remedy: error: root is not a directory: {root}", file=sys.stderr)
        return 2
    config = Config(python=args.python, unsafe_sandbox=args.unsafe_sandbox,
                    watch=WatchConfig(enabled=True, auto_repair=args.auto_repair,
                                      debounce_s=args.debounce))
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    if config.unsafe_sandbox:
        announce_unsafe()
    watcher = Watcher(root, config, _print_update, _print_event)
    watcher.start()
    print(f"remedy: watching {root.resolve()} (Ctrl-C stops)", file=sys.stderr, flush=True)
    while not stop.wait(3600):
        pass
    watcher.stop()
    print("remedy: watch stopped", file=sys.stderr, flush=True)
    return 0
