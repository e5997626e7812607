"""agent.Recheck: chosen tests re-run on the project as saved, through the warm worker when the
saved files allow it (real sandbox copies, real pytest)."""
from __future__ import annotations

import shutil
from pathlib import Path

from agent import Recheck
from agent.config import Config

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "lsp_ws"
TARGET = "tests/test_ranges.py::test_in_range_includes_upper_bound"


def test_a_saved_module_is_rechecked_warm_and_a_saved_test_file_the_plain_way(tmp_path: Path):
    root = Path(shutil.copytree(FIXTURE, tmp_path / "ws"))
    recheck = Recheck(root, Config())
    try:
        recheck.prepare(["tests/test_ranges.py"])
        assert [r.test_id for r in recheck.run([], [TARGET]).failing] == [TARGET]
        source = root / "calc" / "ranges.py"
        source.write_text(source.read_text().replace("lo <= x < hi", "lo <= x <= hi"))
        fixed = recheck.run(["calc/ranges.py"], [TARGET])
        assert not fixed.failing and [r.test_id for r in fixed.results] == [TARGET]
        assert recheck.warm_runs == 2

        test = root / "tests" / "test_ranges.py"
        test.write_text(test.read_text().replace("assert in_range(5, 1, 5)", "assert not in_range(5, 1, 5)"))
        broken = recheck.run(["calc/ranges.py", "tests/test_ranges.py"], [TARGET])
        assert [r.test_id for r in broken.failing] == [TARGET]
        assert recheck.warm_runs == 2             # a saved test file is beyond the warm worker
    finally:
        recheck.close()
