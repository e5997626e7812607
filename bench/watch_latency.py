"""Background watch: save -> failing-test report latency, and the watcher's CPU use when idle.

Generates a fixture project of 10 modules and 50 tests into a temp dir, starts a `Watcher` on it,
then saves one module alternately broken and mended (`--saves` times) and measures the time from
the write to the `WatchUpdate` that reports the break (or the fix). Then it leaves the watcher idle
for `--idle` seconds and reads this process's CPU time. Prints one JSON object (with the load
average, since the figures mean little on a busy machine).

    .venv/bin/python bench/watch_latency.py [--saves 20] [--idle 10]
"""
from __future__ import annotations

import argparse
import json
import os
import queue
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from agent.config import Config, WatchConfig  # noqa: E402
from agent.watch import Watcher  # noqa: E402

MODULES, TESTS_PER_MODULE = 10, 5


def make_project(root: Path) -> None:
    (root / "lib").mkdir(parents=True)
    (root / "tests").mkdir()
    (root / "lib" / "__init__.py").write_text("")
    (root / "pyproject.toml").write_text('[tool.pytest.ini_options]\npythonpath = ["."]\n')
    for m in range(MODULES):
        (root / "lib" / f"mod{m}.py").write_text(f"def f(x):\n    return x + {m}\n")
        tests = "".join(f"\n\ndef test_f_{t}():\n    assert f({t}) == {t} + {m}\n"
                        for t in range(TESTS_PER_MODULE))
        (root / "tests" / f"test_mod{m}.py").write_text(f"from lib.mod{m} import f\n{tests}")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--saves", type=int, default=20)
    parser.add_argument("--idle", type=float, default=10.0)
    parser.add_argument("--debounce", type=float, default=0.3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="remedy-watch-bench-") as tmp:
        root = Path(tmp) / "proj"
        make_project(root)
        updates: queue.Queue = queue.Queue()
        config = Config(watch=WatchConfig(enabled=True, debounce_s=args.debounce))
        watcher = Watcher(root, config, updates.put)
        watcher.start()
        time.sleep(2.0)
        target = root / "lib" / "mod3.py"
        good, bad = target.read_text(), target.read_text().replace("x + 3", "x - 3")
        latencies: list[float] = []
        for i in range(args.saves + 1):
            broken = i % 2 == 0
            start = time.monotonic()
            target.write_text(bad if broken else good)
            while True:
                update = updates.get(timeout=120)
                if bool(update.failing) == broken:
                    break
            if i:                                  # the first run records coverage: not counted
                latencies.append(time.monotonic() - start)
        watcher.wait_idle(60)
        cpu0, wall0 = time.process_time(), time.monotonic()
        time.sleep(args.idle)
        idle_cpu = time.process_time() - cpu0
        idle_wall = time.monotonic() - wall0
        watcher.stop()
    print(json.dumps({
        "tests": MODULES * TESTS_PER_MODULE, "saves": len(latencies),
        "latency_p50_s": round(statistics.median(latencies), 3),
        "latency_p95_s": round(percentile(latencies, 0.95), 3),
        "latency_max_s": round(max(latencies), 3),
        "idle_cpu_s": round(idle_cpu, 4), "idle_wall_s": round(idle_wall, 2),
        "idle_cpu_percent": round(100 * idle_cpu / idle_wall, 3),
        "load_average": [round(x, 2) for x in os.getloadavg()], "cpus": os.cpu_count()}))


if __name__ == "__main__":
    main()
