"""Candidates per second: one fresh pytest subprocess per candidate vs. the warm validation pool.

Both paths validate the same 40 candidate patches (real edits of one module of a small fixture
project with 8 tests; some pass, some fail), two at a time, and must agree on every verdict.

    .venv/bin/python bench/throughput.py [--candidates 40] [--workers 2]
"""
from __future__ import annotations

import argparse
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agent.sandbox.workspace import Sandbox  # noqa: E402
from agent.testing.pool import ValidationPool  # noqa: E402
from agent.testing.runner import PytestRunner  # noqa: E402

ROOT = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "runner_warm"
TARGET = "pkg/geometry.py"
TESTS = ["tests/test_geometry.py", "tests/test_hang.py"]
MUTATIONS = [("return w * h\n", "return w + h\n"), ("2 * (w + h)", "(w + h) * 2"),
             ("2 * (w + h)", "2 * (w - h)"), ("SCALE = 2", "SCALE = 3"),
             ("return n * n", "return n ** 2"), ("return n * n", "return n + n"),
             ("self.w == self.h", "self.w != self.h"), ("self.w == self.h", "self.h == self.w"),
             ("return w * h * d", "return w * h * d + 0"), ("return Rect(1, 1)", "return Rect(1, 2)")]


def candidates(n: int) -> list[dict[str, bytes]]:
    source = (ROOT / TARGET).read_text()
    return [{TARGET: source.replace(old, new, 1).encode()}
            for old, new in (MUTATIONS[i % len(MUTATIONS)] for i in range(n))]


def cold(runner: PytestRunner, files: dict[str, bytes]) -> bool:
    with Sandbox(ROOT) as sbx:
        for rel, data in files.items():
            sbx.write(rel, data)
        return runner.run(sbx.path, TESTS).all_ok


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--candidates", type=int, default=40)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    runner = PytestRunner(timeout=60)
    cands = candidates(args.candidates)

    start = time.perf_counter()
    with ThreadPoolExecutor(args.workers) as ex:
        cold_ok = list(ex.map(lambda c: cold(runner, c), cands))
    cold_s = time.perf_counter() - start

    start = time.perf_counter()
    with ValidationPool(ROOT, TESTS, runner, workers=args.workers) as pool:
        ready_s = time.perf_counter() - start
        with ThreadPoolExecutor(args.workers) as ex:
            warm_ok = list(ex.map(lambda c: pool.validate(c, TESTS).all_ok, cands))
        hits, fallbacks = pool.fast_path_hits, pool.fallbacks
    warm_s = time.perf_counter() - start

    assert cold_ok == warm_ok, "warm and cold verdicts differ"
    n = len(cands)
    print(f"candidates: {n} ({sum(cold_ok)} plausible), workers: {args.workers}")
    print(f"subprocess per candidate: {cold_s:7.2f} s  {n / cold_s:7.2f} candidates/s")
    print(f"warm pool (incl. start-up {ready_s:.2f} s): {warm_s:7.2f} s  {n / warm_s:7.2f} candidates/s"
          f"  (fast path {hits}, fallbacks {fallbacks})")
    print(f"warm pool after start-up: {n / (warm_s - ready_s):7.2f} candidates/s")
    print(f"speed-up: {cold_s / warm_s:.1f}x (incl. start-up), "
          f"{cold_s / (warm_s - ready_s):.1f}x (steady state)")


if __name__ == "__main__":
    main()
