"""Regression-aware localization (issue 23): lines changed since the failing test last passed
weigh as suspicious. Real git repositories, real pytest runs through the session, the real watch."""
from __future__ import annotations

import asyncio
import queue
import subprocess
import time
from pathlib import Path

import pytest

from agent.config import Config, WatchConfig
from agent.events import Localized
from agent.localize import changed_lines, changed_since, regression_weights
from agent.memory.test_history import TestHistory, regression_hints
from agent.watch import Watcher

# Every statement of `total` runs in the one failing test only: the spectrum ties them all, and
# without other evidence the first statement ranks first.
SOURCE = '''def total(prices, rate):
    subtotal = sum(prices)
    tax = subtotal * rate
    shipping = 5 if subtotal < 100 else 0
    return subtotal + tax + shipping
'''
TEST = '''from shop import total


def test_small_order_pays_shipping():
    assert total([10, 20], 0.5) == 50
'''
BUGGY = SOURCE.replace("subtotal < 100", "subtotal > 100")
FAILING = "test_shop.py::test_small_order_pays_shipping"


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.email=t@t", "-c", "user.name=t", *args], cwd=root, check=True,
                   capture_output=True)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    root.mkdir()
    (root / "shop.py").write_text(SOURCE)
    (root / "test_shop.py").write_text(TEST)
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "passing")
    return root


def _localized(root: Path) -> list[tuple[str, int]]:
    from agent.session import run_repair

    async def go():
        found = []
        async for ev in run_repair(root, [FAILING], Config(engine="builtin", time_budget=30)):
            if isinstance(ev, Localized):
                found = [(s.path, s.line) for s in ev.lines]
        return found
    return asyncio.run(go())


def test_the_working_tree_change_ranks_first_against_a_passing_head(repo: Path):
    (repo / "shop.py").write_text(BUGGY)
    assert changed_since(repo) == {"shop.py": {4}}
    assert _localized(repo)[0] == ("shop.py", 4)


def test_without_git_the_spectrum_alone_ranks(tmp_path: Path):
    root = tmp_path / "plain"
    root.mkdir()
    (root / "shop.py").write_text(BUGGY)
    (root / "test_shop.py").write_text(TEST)
    assert changed_since(root) is None and regression_hints(root, [FAILING]) == {}
    ranked = _localized(root)
    assert ranked[0] == ("shop.py", 2) and ("shop.py", 4) in ranked     # a tie, in line order


def test_the_last_pass_is_the_baseline_over_head(repo: Path):
    """An uncommitted change that passed (line 3) weighs less than the one made since (line 4)."""
    (repo / "shop.py").write_text(SOURCE.replace("subtotal * rate", "rate * subtotal"))
    history = TestHistory(repo)
    history.record_run([FAILING], [])
    history.close()
    (repo / "shop.py").write_text(BUGGY.replace("subtotal * rate", "rate * subtotal"))
    hints = regression_hints(repo, [FAILING])
    assert hints == {("shop.py", 4): 0.8, ("shop.py", 3): 0.5}
    assert _localized(repo)[0] == ("shop.py", 4)


def test_a_watched_save_that_breaks_the_test_comes_first(repo: Path):
    """The watch records the pass and the breaking save; another uncommitted change (line 3),
    made and saved before the break, stays behind it."""
    updates: queue.Queue = queue.Queue()
    config = Config(engine="builtin", time_budget=60, watch=WatchConfig(enabled=True, debounce_s=0.2))
    watcher = Watcher(repo, config, updates.put, lambda job, e: None)
    watcher.start()
    try:
        time.sleep(0.5)
        (repo / "shop.py").write_text(SOURCE.replace("subtotal * rate", "rate * subtotal"))
        assert updates.get(timeout=120).failing == []
        assert watcher.wait_idle(60)
        (repo / "shop.py").write_text(BUGGY.replace("subtotal * rate", "rate * subtotal"))
        assert [r.test_id for r in updates.get(timeout=120).failing] == [FAILING]
        assert watcher.wait_idle(60)
    finally:
        watcher.stop()
    hints = regression_hints(repo, [FAILING])
    assert hints[("shop.py", 4)] == 1.0 and hints[("shop.py", 3)] < 1.0
    assert _localized(repo)[0] == ("shop.py", 4)


def test_changed_lines_and_large_change_sets():
    assert changed_lines("a\nb\nc\n", "a\nB\nc\n") == {2}
    assert changed_lines("a\nb\nc\n", "a\nc\n") == {1, 2}          # a deletion marks both sides
    assert changed_lines("a\n", "a\nb\n") == {2}
    big = {"m.py": set(range(1, 500))}
    assert regression_weights([(1.0, {"m.py": {3}}), (0.5, big)]) == {("m.py", 3): 1.0}
    assert regression_weights([(0.5, {"tests/test_m.py": {1}})]) == {}
