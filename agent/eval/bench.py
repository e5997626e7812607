"""`remedy bench CORPUS`: every case of a corpus on a fresh copy, through the same session the CLI
uses, under each configuration of the grid (agent.eval.grid) and for each rollout, locally or on Ray
(agent.parallel); prints a table and the figures (agent.eval.stats), or one JSON object, and
with `--report DIR` writes report.html with plots (agent.eval.report)."""
from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict
from pathlib import Path

from rich.console import Console
from rich.table import Table

from ..config import Config
from ..errors import BadInput
from ..llm import LlmConfig
from .case_run import CaseRun
from .corpus import load_corpus
from ..parallel import EXECUTORS, make_executor
from .executors import jobs_for, run_jobs
from .grid import ON_OFF, variants
from .report import REPORT_MISSING, write_report
from .stats import rollout_figures, summary, versus

__all__ = ["add_parser", "main"]


def add_parser(sub) -> argparse.ArgumentParser:
    defaults, llm = Config(), LlmConfig()
    bench = sub.add_parser("bench", help="run a corpus of bug cases and print a table")
    bench.add_argument("corpus", help="folder of cases (each with a case.toml)")
    bench.add_argument("--json", action="store_true")
    bench.add_argument("--case", action="append", default=[], help="only this case (repeatable)")
    bench.add_argument("--time-budget", type=float, default=defaults.time_budget, metavar="S")
    bench.add_argument("--workers", type=int, default=defaults.workers,
                       help="validation workers per session; with --executor ray, also the local cluster's CPUs")
    grid = bench.add_argument_group("configurations (every combination runs)")
    grid.add_argument("--ranker", default=defaults.ranker,
                      help="comma-separated rankers to compare; NAME-noprobe: without the value probe")
    grid.add_argument("--engine", default="builtin", help="comma-separated engines (builtin, llm, auto)")
    grid.add_argument("--probe", default="on", choices=tuple(ON_OFF), help="the value probe on, off, or both")
    grid.add_argument("--no-probe", dest="probe", action="store_const", const="off", help="= --probe off")
    grid.add_argument("--reflection", default="on", choices=tuple(ON_OFF), help="the LLM agent's reflection")
    grid.add_argument("--no-reflection", dest="reflection", action="store_const", const="off",
                      help="= --reflection off")
    grid.add_argument("--sandbox", default="on", choices=tuple(ON_OFF),
                      help="run the cases confined (on), unconfined (off), or both, to compare")
    llm_flags = bench.add_argument_group("the LLM of --engine llm|auto")
    llm_flags.add_argument("--model", default=llm.model)
    llm_flags.add_argument("--base-url", default=llm.base_url)
    llm_flags.add_argument("--api-key-env", default=llm.api_key_env)
    llm_flags.add_argument("--tool-protocol", default=llm.tool_protocol)
    runs = bench.add_argument_group("rollouts and executors")
    runs.add_argument("--rollouts", type=int, default=1, metavar="N",
                      help="seeded rollouts per case and configuration (pass@k for k <= N)")
    runs.add_argument("--seed", type=int, default=0, help="rollout r runs with seed SEED+r")
    runs.add_argument("--executor", default="local", choices=EXECUTORS)
    runs.add_argument("--address", default="", help="join the Ray cluster at ADDR (with --executor ray)")
    bench.add_argument("--report", type=Path, default=None, metavar="DIR",
                       help="write DIR/report.html with plots, and DIR/results.jsonl")
    return bench


def main(args: argparse.Namespace) -> int:
    if args.rollouts < 1:
        raise BadInput(f"--rollouts must be at least 1, got {args.rollouts}")
    if args.workers < 1:
        raise BadInput(f"--workers must be at least 1, got {args.workers}")
    if args.report is not None:
        _check_report_folder(args.report)
    llm = LlmConfig(base_url=args.base_url, model=args.model, api_key_env=args.api_key_env,
                    tool_protocol=args.tool_protocol)
    grid = variants(args.ranker, args.engine, args.probe, args.reflection, args.sandbox,
                    time_budget=args.time_budget, workers=args.workers, llm=llm)
    cases = load_corpus(args.corpus, args.case or None)
    jobs = jobs_for(cases, grid, args.rollouts, args.seed)
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    executor = make_executor(args.executor, args.workers, args.address)
    started = time.monotonic()
    try:
        runs = run_jobs(executor, jobs, lambda run: err.print(_row(run, args.rollouts)))
    finally:
        executor.close()
    wall = round(time.monotonic() - started, 1)
    labels = [v.label for v in grid]
    figures = {label: _figures(runs, label, labels) for label in labels}
    if args.report is not None:
        page = write_report(args.report, runs, figures, f"remedy bench {Path(args.corpus).name}")
        err.print(f"report: {page}")
    if args.json:
        print(json.dumps({"cases": [asdict(r) for r in runs], "summary": figures,
                          "executor": args.executor, "wall_seconds": wall}))
    else:
        _print_table(runs, figures, labels)
        print(f"{len(jobs)} sessions in {wall} s ({args.executor} executor)")
    return 0


def _figures(runs: list[CaseRun], label: str, labels: list[str]) -> dict:
    mine = [r for r in runs if r.ranker == label]
    out = summary(mine)
    if label != "none" and "none" in labels:
        out["vs_none"] = versus(runs, label, "none")
    rolled = rollout_figures(mine)
    if rolled is not None:
        out["rollouts"] = rolled
    return out


def _check_report_folder(folder: Path) -> None:
    """Before an hour of sessions: the folder must be writable and matplotlib importable."""
    if folder.exists() and not folder.is_dir():
        raise BadInput(f"--report {folder}: not a folder")
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise BadInput(REPORT_MISSING) from None


def _row(run: CaseRun, rollouts: int) -> str:
    mark = "[green]fixed[/]" if run.plausible else f"[red]{run.status}[/]"
    rollout = f" r{run.rollout}" if rollouts > 1 else ""
    return f"{run.case:<32} {run.ranker:<8}{rollout} {mark} {run.seconds:6.2f}s tried={run.tried}"


def _print_table(runs: list[CaseRun], figures: dict, labels: list[str]) -> None:
    out = Console(file=sys.stdout, highlight=False, width=160)
    table = Table(title="remedy bench")
    rolled = any(r.rollout for r in runs)
    for col in ("case", "kind", "ranker") + (("rollout",) if rolled else ()) + (
            "status", "exact", "s", "tests", "cands", "tried", "1st"):
        table.add_column(col)
    for r in runs:
        table.add_row(r.case, r.kind, r.ranker, *((str(r.rollout),) if rolled else ()), r.status,
                      "yes" if r.exact else "", f"{r.seconds:.2f}", str(r.tests_run), str(r.generated),
                      str(r.tried), str(r.to_first or ""))
    out.print(table)
    for label in labels:
        s = figures[label]
        out.print(f"[{label}] plausible {s['plausible']}/{s['runs']} ({s['plausible_rate']:.0%}), "
                  f"exact {s['exact']}, median {s['median_seconds']}s, median test runs "
                  f"{s['median_tests_run']}, median validations to first plausible "
                  f"{s['median_validations_to_first']} (90% interval {_interval(s)})", markup=False)
        if s.get("vs_none"):
            v = s["vs_none"]
            lo, hi = v["median_ratio_ci90"]
            out.print(f"[{label}] against none, over {v['cases']} cases both fixed: fewer validations in "
                      f"{v['fewer']}, more in {v['more']}; medians {v['median_ratio']}x apart "
                      f"(90% interval {lo:g}-{hi:g}x)", markup=False)
        if s.get("rollouts"):
            r = s["rollouts"]
            passes = ", ".join(f"pass@{k} {v:.3f}" for k, v in r["pass_at_k"].items())
            out.print(f"[{label}] over {r['rollouts']} rollouts: {passes}; fixes per rollout "
                      f"{r['fixes_per_rollout']} (stdev {r['fixes_stdev']}), mean per-case variance "
                      f"{r['mean_case_variance']}", markup=False)


def _interval(figures: dict) -> str:
    ci = figures["median_validations_to_first_ci90"]
    return "n/a" if ci is None else f"{ci[0]:g}-{ci[1]:g}"
