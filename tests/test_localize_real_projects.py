"""Real projects as they are: a virtualenv without coverage.py, a pytest configuration of their own,
files that do not parse lying around. Hand-made projects, real pytest runs in the sandbox, the real
CLI."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

from agent.localize import coverage_run_options, localize
from agent.sandbox.confine import Confinement
from agent.sandbox.workspace import Sandbox
from agent.testing.runner import PytestRunner

from conftest import remedy_json, venv_with_only_pytest

# The bug sits two calls below what the test calls, and the assertion only compares the result:
# the traceback holds no project frame, so only line coverage (or the call chain) can find it.
SHOP = {
    "pytest.ini": "[pytest]\npythonpath = .\n",
    "shop/__init__.py": "",
    "shop/discount.py": (
        "def discount(total):\n"
        "    if total >= 100:\n"
        "        return total - 10\n"
        "    return 0\n\n\n"
        "def final(total):\n"
        "    cut = discount(total)\n"
        "    return total - cut\n"),
    "shop/cart.py": (
        "from shop.discount import final\n\n\n"
        "class Cart:\n"
        "    def __init__(self):\n"
        "        self.items = []\n\n"
        "    def add(self, price):\n"
        "        self.items.append(price)\n"
        "        return self\n\n"
        "    def total(self):\n"
        "        return final(sum(self.items))\n"),
    "tests/test_shop.py": (
        "from shop.cart import Cart\n"
        "from shop.discount import final\n\n\n"
        "def test_small_total_pays_all():\n"
        "    assert final(50) == 50\n\n\n"
        "def test_a_small_cart_pays_all():\n"
        "    assert Cart().add(20).add(30).total() == 50\n\n\n"
        "def test_the_discount_is_ten_percent():\n"
        "    assert Cart().add(60).add(40).total() == 90\n"),
}
BUG = "        return total - 10"
TARGET = "tests/test_shop.py::test_the_discount_is_ten_percent"


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def bug_line(root: Path) -> int:
    return (root / "shop/discount.py").read_text().splitlines().index(BUG) + 1


def test_a_venv_without_coverage_localizes_the_bug_first_and_gets_it_fixed(tmp_path):
    root = write(tmp_path / "shop", SHOP)
    python = venv_with_only_pytest(root / ".venv")
    assert subprocess.run([str(python), "-c", "import coverage"], capture_output=True).returncode == 1
    runner = PytestRunner(str(python), timeout=60, confinement=Confinement.for_project(root, str(python)))
    with Sandbox(root) as sbx:
        out = tmp_path / "cov" / "coverage.json"
        out.parent.mkdir()
        plugins, paths, env = coverage_run_options(out)
        report = runner.run(sbx.path, [], extra_plugins=plugins, plugin_paths=paths, env=env,
                            writable=(out.parent,))
        coverage = json.loads(out.read_text())
    assert [r.test_id for r in report.failing] == [TARGET]
    assert coverage["tracer"] in ("settrace", "sys.monitoring") and "error" not in coverage
    lines = localize(root, report.failing, coverage)
    assert (lines[0].path, lines[0].line) == ("shop/discount.py", bug_line(root)), lines[:5]

    code, out_json, err = remedy_json("fix", "--root", str(root))
    assert code == 0 and out_json["status"] == "fixed", err
    assert out_json["files"] == ["shop/discount.py"]


def test_with_nothing_traced_a_failing_test_is_localized_from_its_call_chain(tmp_path):
    """No coverage at all (the plugin not loaded) and no project frame: the project code the test
    calls, through an instance's methods and the module they import, is what is suspicious."""
    root = write(tmp_path / "shop", SHOP)
    report = PytestRunner(timeout=60).run(root, [], env={"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"})
    failing = report.failing
    assert [r.test_id for r in failing] == [TARGET]
    assert not [f for f in failing[0].frames if f.path.startswith("shop/")]
    lines = localize(root, failing, None)
    found = [(s.path, s.line) for s in lines]
    assert ("shop/discount.py", bug_line(root)) in found
    assert {p for p, _ in found} == {"shop/cart.py", "shop/discount.py"}
    assert found[0][0] == "shop/cart.py"      # what the test calls first comes first


def test_a_project_whose_pytest_configuration_names_its_test_files_is_fixed(tmp_path):
    root = write(tmp_path / "calc", {
        "setup.cfg": "[tool:pytest]\npython_files = tests_*.py\npythonpath = .\n",
        "calc.py": "def add(a, b):\n    return a - b\n",
        "tests_calc.py": ("from calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n\n\n"
                          "def test_zero():\n    assert add(0, 0) == 0\n"),
        "test_data.py": "VALUES = [1, 2]\n",      # Remedy's naming rule alone would call it a test
    })
    for targets in (["tests_calc.py::test_add"], ["tests_calc.py"], []):
        code, out, err = remedy_json("fix", *targets, "--root", str(root))
        assert code == 0 and out["status"] == "fixed", (targets, out["message"], err)
        assert out["files"] == ["calc.py"] and out["failing_tests"] == ["tests_calc.py::test_add"]


def test_a_file_that_does_not_parse_and_that_no_failing_test_reaches_is_ignored(invoice: Path):
    (invoice / "examples").mkdir()
    (invoice / "examples" / "legacy.py").write_text('print "a Python 2 example"\n')
    (invoice / "tests" / "data").mkdir()
    (invoice / "tests" / "data" / "input.py").write_text("def broken(:\n")     # a formatter's input
    code, out, err = remedy_json("fix", "--root", str(invoice))
    assert code == 0 and out["status"] == "fixed", err
    assert out["files"] == ["invoice/pricing.py"]


def test_a_failing_test_that_reaches_a_file_that_does_not_parse_says_where(invoice: Path):
    (invoice / "invoice" / "legacy.py").write_text('def total(items):\n    print "total"\n')
    (invoice / "tests" / "test_legacy.py").write_text(
        "def test_legacy_total():\n    from invoice.legacy import total\n    assert total([]) == 0\n")
    code, out, err = remedy_json("fix", "tests/test_legacy.py", "--root", str(invoice))
    assert code == 2 and out["status"] == "error"
    assert out["message"].startswith("syntax error in invoice/legacy.py:2"), out["message"]
