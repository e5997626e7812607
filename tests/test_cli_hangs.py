"""Hangs and slow bugs, end to end through the real `remedy fix` CLI on hand-made projects: a loop
that never ends, a recursion that never reaches its base case, and a search that takes exponential
time. Each failing test is stopped where it hung, the hot lines get candidates, and a fix is found
within a 30 s budget (a candidate that still hangs costs about a second)."""
from __future__ import annotations

import re
from pathlib import Path

from conftest import remedy_json

COLLATZ = '''\
"""The Collatz sequence: halve an even number, triple an odd one and add one, until 1."""


def steps_to_one(n):
    """How many steps the sequence from `n` (>= 1) takes to reach 1."""
    steps = 0
    while n != 1:
        if n % 2 == 0:
            n = n // 2
        else:
            n = 3 * n - 1
        steps += 1
    return steps
'''
COLLATZ_TESTS = '''\
from seq.collatz import steps_to_one


def test_one_takes_no_step():
    assert steps_to_one(1) == 0


def test_powers_of_two_halve_down():
    assert steps_to_one(8) == 3
    assert steps_to_one(64) == 6


def test_odd_start():
    assert steps_to_one(7) == 16
'''
FLATTEN = '''\
"""Flattening nested lists."""


def flatten(items):
    """The leaves of a nested list, left to right: [1, [2, [3]]] -> [1, 2, 3]."""
    out = []
    for item in items:
        if isinstance(item, list):
            out.extend(flatten(items))
        else:
            out.append(item)
    return out
'''
FLATTEN_TESTS = '''\
from nest.flat import flatten


def test_empty():
    assert flatten([]) == []


def test_flat_list_is_unchanged():
    assert flatten([1, 2, 3]) == [1, 2, 3]


def test_nested():
    assert flatten([1, [2, [3, 4]], 5]) == [1, 2, 3, 4, 5]
'''
SEARCH = '''\
"""Reachability in directed graphs given as {node: [successor, ...]}."""


def reachable(graph, start, goal, seen=None):
    """Whether `goal` can be reached from `start` by following edges."""
    if seen is None:
        seen = set()
    if start == goal:
        return True
    seen.add(start)
    for successor in graph.get(start, ()):
        if goal not in seen and reachable(graph, successor, goal, seen):
            return True
    return False
'''
SEARCH_TESTS = '''\
from graphs.search import reachable


def ladder(rungs):
    """Two nodes per rung, each linked to both nodes of the next rung: 2**rungs paths."""
    return {(i, side): [(i + 1, 0), (i + 1, 1)] for i in range(rungs) for side in (0, 1)}


def test_path_is_found():
    assert reachable({"a": ["b"], "b": ["c"]}, "a", "c")


def test_dead_end():
    assert not reachable({"a": ["b"], "b": []}, "a", "c")


def test_start_is_goal():
    assert reachable({}, "a", "a")


def test_no_exit_from_a_long_ladder():
    assert not reachable(ladder(40), (0, 0), "exit")
'''


def _project(root: Path, package: str, module: str, source: str, tests: str) -> Path:
    (root / package).mkdir(parents=True)
    (root / package / "__init__.py").write_text("")
    (root / package / f"{module}.py").write_text(source)
    (root / "tests").mkdir()
    (root / "tests" / f"test_{module}.py").write_text(tests)
    return root


def _fix(root: Path) -> tuple[dict, str]:
    code, out, err = remedy_json("fix", "--root", str(root), "--time-budget", "30")
    assert code == 0 and out["status"] == "fixed", (out, err)
    return out, err


def test_a_loop_that_never_ends_is_stopped_named_and_fixed(tmp_path: Path):
    root = _project(tmp_path / "collatz", "seq", "collatz", COLLATZ, COLLATZ_TESTS)
    out, err = _fix(root)
    assert out["failing_tests"] == ["tests/test_collatz.py::test_odd_start"]
    assert re.search(r"tests/test_collatz\.py::test_odd_start: timed out after [\d.]+ s "
                     r"in steps_to_one\(\) at seq/collatz\.py:(7|8|9|11|12)\b", err), err
    assert "-            n = 3 * n - 1\n+            n = 3 * n + 1\n" in out["patch"]


def test_a_recursion_without_end_is_fixed_at_its_repeating_frame(tmp_path: Path):
    root = _project(tmp_path / "flatten", "nest", "flat", FLATTEN, FLATTEN_TESTS)
    out, err = _fix(root)
    assert "recursing in flatten() at nest/flat.py:9" in err
    assert "-            out.extend(flatten(items))\n+            out.extend(flatten(item))\n" in out["patch"]


def test_an_exponential_search_is_stopped_and_fixed(tmp_path: Path):
    root = _project(tmp_path / "search", "graphs", "search", SEARCH, SEARCH_TESTS)
    out, err = _fix(root)
    assert out["failing_tests"] == ["tests/test_search.py::test_no_exit_from_a_long_ladder"]
    assert "timed out after" in err and "in reachable() at graphs/search.py:" in err
    assert "+        if successor not in seen and reachable(graph, successor, goal, seen):\n" in out["patch"]
