"""End-to-end through the real CLI on hand-made projects: a bug that needs two edits neither of
which passes a test alone, arguments swapped between two calls, a plausible anti-pattern that must
lose to the right fix, and `confidence` in the --json result."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import remedy_json, write_project


def _fix(root: Path) -> dict:
    code, out, err = remedy_json("fix", "--root", str(root), "--time-budget", "30", "--apply")
    assert code == 0 and out["status"] == "fixed", (out, err)
    assert isinstance(out["confidence"], float) and 0.0 <= out["confidence"] <= 1.0, out
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=root,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout
    return out


def _removed(patch: str) -> list[str]:
    return [line[1:] for line in patch.splitlines() if line.startswith("-") and not line.startswith("---")]


def test_two_site_bug_is_fixed_by_a_pair(tmp_path: Path):
    root = write_project(tmp_path / "winsum", {
        "winsum/__init__.py": "",
        "winsum/window.py": '''\
            def window_sums(values, size):
                """The sum of every run of `size` consecutive values, left to right."""
                sums = []
                for start in range(len(values) - size):
                    sums.append(sum(values[start:start + size - 1]))
                return sums
            ''',
        "tests/test_window.py": '''\
            from winsum.window import window_sums


            def test_pairs():
                assert window_sums([1, 2, 3, 4], 2) == [3, 5, 7]


            def test_triples():
                assert window_sums([1, 2, 3, 4, 5], 3) == [6, 9, 12]


            def test_too_short():
                assert window_sums([1], 2) == []
            ''',
    })
    out = _fix(root)
    assert len(_removed(out["patch"])) == 2, out["patch"]
    assert "start + size]" in out["patch"]


def test_arguments_swapped_between_two_calls(tmp_path: Path):
    root = write_project(tmp_path / "layout", {
        "layout/__init__.py": "",
        "layout/boxes.py": '''\
            PAGE_WIDTH = 80
            PAGE_HEIGHT = 24


            def clamp(value, low, high):
                return max(low, min(value, high))


            def place(x, y, width, height):
                """The box's top-left corner, moved so that the whole box stays on the page."""
                left = clamp(y, 0, PAGE_WIDTH - width)
                top = clamp(x, 0, PAGE_HEIGHT - height)
                return left, top
            ''',
        "tests/test_boxes.py": '''\
            from layout.boxes import place


            def test_inside_stays():
                assert place(3, 4, 10, 5) == (3, 4)


            def test_bottom_right_corner():
                assert place(75, 30, 10, 5) == (70, 19)
            ''',
    })
    out = _fix(root)
    assert "+    left = clamp(x, 0, PAGE_WIDTH - width)" in out["patch"]
    assert "+    top = clamp(y, 0, PAGE_HEIGHT - height)" in out["patch"]


def test_right_fix_beats_a_plausible_anti_pattern(tmp_path: Path):
    """`n ** 0.5` -> `n ** 1` passes these tests too (the loop bound raised from the square root to
    n: right answers at quadratic cost), and is validated before the right fix."""
    root = write_project(tmp_path / "arith", {
        "arith/__init__.py": "",
        "arith/primes.py": '''\
            def is_prime(n):
                """Whether `n` is a prime number."""
                if n < 2:
                    return False
                for d in range(2, int(n ** 0.5)):
                    if n % d == 0:
                        return False
                return True
            ''',
        "tests/test_primes.py": '''\
            import pytest

            from arith.primes import is_prime


            @pytest.mark.parametrize("n", [2, 3, 5, 7, 11, 13, 29])
            def test_primes(n):
                assert is_prime(n)


            @pytest.mark.parametrize("n", [0, 1, 4, 9, 15, 25, 49])
            def test_composites(n):
                assert not is_prime(n)
            ''',
    })
    out = _fix(root)
    assert _removed(out["patch"]) == ["    for d in range(2, int(n ** 0.5)):"], out["patch"]
    assert "** 0.5" in out["patch"].split("\n+    for", 1)[1].split("\n", 1)[0], out["patch"]
