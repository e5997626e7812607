"""`remedy bench CORPUS`: run every case on a fresh copy through the same session the CLI uses and
print a table and a summary (plausible, exact, median seconds, test executions, validations until
the first plausible patch). Several rankers (`--ranker none,ebm`) are compared in one run."""
from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

from ..config import RANKERS, Config
from ..errors import BadInput
from ..events import Done, Event, Validation
from ..types import FixStatus
from .corpus import Case, load_corpus

__all__ = ["CaseRun", "run_case", "main"]

NO_PROBE = "-noprobe"     # `--ranker ebm-noprobe`: the same ranker, validated without the value probe
UNSAFE = "-unsafe"        # runs without the sandbox (`--sandbox off|both`)
RESAMPLES = 2000          # bootstrap draws behind the median's 90% interval


@dataclass
class CaseRun:
    case: str
    ranker: str
    status: str
    plausible: bool
    exact: bool
    seconds: float
    tests_run: int
    generated: int
    tried: int
    to_first: int | None      # validations until the first plausible patch (1 = the first one tried)
    kind: str
    edits: int
    message: str


def run_case(case: Case, config: Config, label: str = "", observe: Callable[[Event], None] | None = None) -> CaseRun:
    """One case on a fresh copy; `observe`, when given, sees every event of the session."""
    from .. import run_repair

    with tempfile.TemporaryDirectory(prefix=f"remedy-bench-{case.name}-") as tmp:
        root = Path(tmp) / "project"
        case.materialize(root)
        started = time.monotonic()
        result, validations, to_first = None, 0, None

        async def drive():
            nonlocal result, validations, to_first
            async for event in run_repair(root, list(case.failing), config):
                if observe is not None:
                    observe(event)
                if isinstance(event, Validation):
                    validations += 1
                    if event.plausible and to_first is None:
                        to_first = validations
                elif isinstance(event, Done):
                    result = event.result

        asyncio.run(drive())
        seconds = time.monotonic() - started
        assert result is not None
        exact = False
        if result.status is FixStatus.FIXED and result.proposal is not None:
            exact = all(_same_code(case.reference(p), _patched(result, p)) for p in result.files)
        return CaseRun(case.name, label or config.ranker, result.status.value, result.status is FixStatus.FIXED,
                       exact, round(seconds, 2), result.tests_run, result.candidates_generated,
                       result.candidates_tried, to_first, case.kind, case.edits, result.message[:200])


def _patched(result, path: str) -> bytes:
    from ..diff import apply_hunks
    proposal = result.proposal
    return apply_hunks(proposal.base_texts[path], [h for h in proposal.hunks if h.path == path]).encode()


def _same_code(reference: bytes | None, patched: bytes) -> bool:
    if reference is None:
        return False
    strip = lambda b: [line.rstrip() for line in b.decode("utf-8", "replace").splitlines() if line.strip()]
    return strip(reference) == strip(patched)


def main(args: argparse.Namespace) -> int:
    rankers = [r.strip() for r in args.ranker.split(",") if r.strip()]
    unknown = [r for r in rankers if r.removesuffix(NO_PROBE) not in RANKERS]
    if unknown or not rankers:
        raise BadInput(f"unknown ranker {unknown[0] if unknown else args.ranker!r} "
                       f"(expected {', '.join(RANKERS)})")
    cases = load_corpus(args.corpus, args.case or None)
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    runs: list[CaseRun] = []
    modes = {"on": (False,), "off": (True,), "both": (False, True)}[args.sandbox]
    labels = [r + (UNSAFE if unsafe else "") for r in rankers for unsafe in modes]
    for case in cases:
        for label in labels:        # both sandbox modes of a case run back to back, on equal terms
            ranker = label.removesuffix(UNSAFE)
            run = run_case(case, Config(engine="builtin", ranker=ranker.removesuffix(NO_PROBE),
                                        probe=not ranker.endswith(NO_PROBE), time_budget=args.time_budget,
                                        workers=args.workers, unsafe_sandbox=label.endswith(UNSAFE)),
                           label=label)
            runs.append(run)
            mark = "[green]fixed[/]" if run.plausible else f"[red]{run.status}[/]"
            err.print(f"{case.name:<32} {label:<8} {mark} {run.seconds:6.2f}s tried={run.tried}")
    rankers = labels
    summary = {r: _summary([x for x in runs if x.ranker == r]) for r in rankers}
    for r in rankers:
        if r != "none" and "none" in rankers:
            summary[r]["vs_none"] = versus(runs, r, "none")
    if args.json:
        print(json.dumps({"cases": [asdict(r) for r in runs], "summary": summary}))
    else:
        _print_table(runs, summary, rankers)
    return 0


def _summary(runs: list[CaseRun]) -> dict:
    fixed = [r for r in runs if r.plausible]
    firsts = [r.to_first for r in fixed if r.to_first is not None]
    return {
        "cases": len(runs), "plausible": len(fixed), "exact": sum(r.exact for r in runs),
        "plausible_rate": round(len(fixed) / len(runs), 3) if runs else 0.0,
        "median_seconds": round(statistics.median(r.seconds for r in runs), 2) if runs else 0.0,
        "median_seconds_fixed": round(statistics.median(r.seconds for r in fixed), 2) if fixed else None,
        "median_tests_run": statistics.median(r.tests_run for r in runs) if runs else 0,
        "median_validations_to_first": statistics.median(firsts) if firsts else None,
        "median_validations_to_first_ci90": median_interval(firsts),
        "mean_validations_to_first": round(statistics.mean(firsts), 2) if firsts else None,
    }


def median_interval(values: list[int], level: float = 0.90, draws: int = RESAMPLES,
                    seed: int = 0) -> list[float] | None:
    """A percentile-bootstrap interval for the median over cases: how far another corpus of the same
    size, or a ranker that shuffles a few near-ties, could move it. Seeded, so a run is repeatable."""
    return _bootstrap(values, statistics.median, level, draws, seed) if len(values) >= 2 else None


def versus(runs: list[CaseRun], ranker: str, base: str, level: float = 0.90, draws: int = RESAMPLES,
           seed: int = 0) -> dict | None:
    """`ranker` against `base` over the cases both fixed: in how many it needed fewer or more
    validations, the ratio of the medians (base / ranker) and its paired-bootstrap interval."""
    firsts = {(r.ranker, r.case): r.to_first for r in runs if r.plausible and r.to_first is not None}
    pairs = [(firsts[(base, c)], firsts[(ranker, c)]) for (k, c) in firsts if k == ranker and (base, c) in firsts]
    if len(pairs) < 2:
        return None

    def ratio(ps: list[tuple[int, int]]) -> float:
        return statistics.median(b for b, _ in ps) / statistics.median(x for _, x in ps)

    return {"cases": len(pairs), "fewer": sum(x < b for b, x in pairs), "more": sum(x > b for b, x in pairs),
            "median_ratio": round(ratio(pairs), 2),
            "median_ratio_ci90": [round(r, 2) for r in _bootstrap(pairs, ratio, level, draws, seed)]}


def _bootstrap(items: list, statistic, level: float, draws: int, seed: int) -> list[float]:
    """The percentile interval of `statistic` over `draws` resamples of `items` (with replacement)."""
    rng = random.Random(seed)
    values = sorted(statistic(rng.choices(items, k=len(items))) for _ in range(draws))
    tail = (1 - level) / 2
    return [values[int(tail * (draws - 1))], values[int((1 - tail) * (draws - 1))]]


def _print_table(runs: list[CaseRun], summary: dict, rankers: list[str]) -> None:
    out = Console(file=sys.stdout, highlight=False, width=160)
    table = Table(title="remedy bench")
    for col in ("case", "kind", "ranker", "status", "exact", "s", "tests", "cands", "tried", "1st"):
        table.add_column(col)
    for r in runs:
        table.add_row(r.case, r.kind, r.ranker, r.status, "yes" if r.exact else "", f"{r.seconds:.2f}",
                      str(r.tests_run), str(r.generated), str(r.tried), str(r.to_first or ""))
    out.print(table)
    for ranker in rankers:
        s = summary[ranker]
        out.print(f"[{ranker}] plausible {s['plausible']}/{s['cases']} ({s['plausible_rate']:.0%}), "
                  f"exact {s['exact']}, median {s['median_seconds']}s, median test runs "
                  f"{s['median_tests_run']}, median validations to first plausible "
                  f"{s['median_validations_to_first']} (90% interval {_interval(s)})", markup=False)
        if s.get("vs_none"):
            v = s["vs_none"]
            lo, hi = v["median_ratio_ci90"]
            out.print(f"[{ranker}] against none, over {v['cases']} cases both fixed: fewer validations in "
                      f"{v['fewer']}, more in {v['more']}; medians {v['median_ratio']}x apart "
                      f"(90% interval {lo:g}-{hi:g}x)", markup=False)


def _interval(summary: dict) -> str:
    ci = summary["median_validations_to_first_ci90"]
    return "n/a" if ci is None else f"{ci[0]:g}-{ci[1]:g}"
