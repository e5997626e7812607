"""The figures of a bench run: per configuration, fixes, medians with bootstrap intervals, the
paired comparison with another configuration, and over rollouts pass@k (the unbiased estimator of
Chen et al., 2021) and the spread of the fix count."""
from __future__ import annotations

import math
import random
import statistics
from collections.abc import Sequence

from .case_run import CaseRun

__all__ = ["summary", "median_interval", "versus", "pass_at_k", "rollout_figures", "RESAMPLES"]

RESAMPLES = 2000          # bootstrap draws behind the median's 90% interval


def summary(runs: Sequence[CaseRun]) -> dict:
    fixed = [r for r in runs if r.plausible]
    firsts = [r.to_first for r in fixed if r.to_first is not None]
    return {
        "cases": len({r.case for r in runs}), "runs": len(runs), "plausible": len(fixed),
        "exact": sum(r.exact for r in runs),
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


def versus(runs: Sequence[CaseRun], ranker: str, base: str, level: float = 0.90, draws: int = RESAMPLES,
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


def pass_at_k(n: int, c: int, k: int) -> float:
    """P(at least one of k rollouts drawn without replacement from n, c of them correct, is
    correct) = 1 - C(n-c, k) / C(n, k)."""
    if not 0 <= c <= n or not 1 <= k <= n:
        raise ValueError(f"pass@{k} needs 1 <= k <= n and 0 <= c <= n (n={n}, c={c})")
    return 1.0 if n - c < k else 1.0 - math.comb(n - c, k) / math.comb(n, k)


def rollout_figures(runs: Sequence[CaseRun]) -> dict | None:
    """For one configuration's runs over n rollouts: pass@k for k = 1..n (mean over cases), the
    per-case pass@1 and success variance, and the fix count of each rollout with its spread."""
    rollouts = sorted({r.rollout for r in runs})
    if len(rollouts) < 2:
        return None
    n = len(rollouts)
    by_case: dict[str, list[bool]] = {}
    for r in runs:
        by_case.setdefault(r.case, []).append(r.plausible)
    if any(len(v) != n for v in by_case.values()):
        return None
    per_case = {case: sum(v) for case, v in sorted(by_case.items())}
    fixes = [sum(r.plausible for r in runs if r.rollout == k) for k in rollouts]
    return {
        "rollouts": n,
        "pass_at_k": {str(k): round(statistics.mean(pass_at_k(n, c, k) for c in per_case.values()), 4)
                      for k in range(1, n + 1)},
        "per_case_pass_at_1": {case: round(c / n, 4) for case, c in per_case.items()},
        "mean_case_variance": round(statistics.mean((c / n) * (1 - c / n) for c in per_case.values()), 4),
        "fixes_per_rollout": fixes,
        "fixes_stdev": round(statistics.stdev(fixes), 3),
    }


def _bootstrap(items: list, statistic, level: float, draws: int, seed: int) -> list[float]:
    """The percentile interval of `statistic` over `draws` resamples of `items` (with replacement)."""
    rng = random.Random(seed)
    values = sorted(statistic(rng.choices(items, k=len(items))) for _ in range(draws))
    tail = (1 - level) / 2
    return [values[int(tail * (draws - 1))], values[int((1 - tail) * (draws - 1))]]
