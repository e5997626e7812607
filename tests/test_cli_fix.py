"""End-to-end: the real `remedy fix` CLI on fixture projects — the JSON contract and exit codes."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import REPO, remedy_json, run_remedy

CONTRACT_KEYS = {"status", "patch", "files", "tests_run", "candidates_generated", "candidates_tried",
                 "elapsed_s", "engine", "failing_tests", "message", "confidence"}


def _pytest_passes(root: Path) -> bool:
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=root,
                          capture_output=True).returncode == 0


def _snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*.py"))}


def test_fix_all_failing_tests_json_contract(invoice: Path):
    before = _snapshot(invoice)
    code, out, _ = remedy_json("fix", "--root", str(invoice))
    assert code == 0
    assert set(out) == CONTRACT_KEYS
    assert out["status"] == "fixed" and out["engine"] in ("builtin", "auto")
    assert out["files"] == ["invoice/pricing.py"]
    assert "-    if quantity > BULK_THRESHOLD:" in out["patch"]
    assert "+    if quantity >= BULK_THRESHOLD:" in out["patch"]
    assert out["failing_tests"] == ["tests/test_pricing.py::test_bulk_discount_starts_at_threshold"]
    assert out["tests_run"] > 0 and out["candidates_tried"] >= 1
    assert out["candidates_generated"] >= out["candidates_tried"]
    assert _snapshot(invoice) == before, "without --apply the user's files must not change"


def test_fix_named_test_and_apply(invoice: Path):
    code, out, _ = remedy_json("fix", "tests/test_pricing.py::test_bulk_discount_starts_at_threshold",
                               "--root", str(invoice), "--apply")
    assert code == 0 and out["status"] == "fixed"
    assert "quantity >= BULK_THRESHOLD" in (invoice / "invoice" / "pricing.py").read_text()
    assert _pytest_passes(invoice)
    undo = run_remedy("undo", "--root", str(invoice))
    assert undo.returncode == 0, undo.stderr
    assert "quantity > BULK_THRESHOLD" in (invoice / "invoice" / "pricing.py").read_text()


def test_already_passing(invoice: Path):
    code, out, _ = remedy_json("fix", "tests/test_pricing.py::test_tax", "--root", str(invoice))
    assert code == 0 and out["status"] == "already_passing"
    assert out["patch"] == "" and out["failing_tests"] == []


def test_human_output_prints_the_diff(invoice: Path):
    proc = run_remedy("fix", "--root", str(invoice))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("--- a/invoice/pricing.py")
    assert "Reproduce the failure" in proc.stderr


def test_no_fix_exit_1(tmp_path: Path):
    (tmp_path / "calc.py").write_text("def answer():\n    return 'forty-two'\n")
    (tmp_path / "test_calc.py").write_text(
        "from calc import answer\n\ndef test_answer():\n    assert answer() == 42\n\n"
        "def test_type():\n    assert isinstance(answer(), str)\n")
    code, out, _ = remedy_json("fix", "--root", str(tmp_path), "--time-budget", "20")
    assert code == 1 and out["status"] == "no_fix"
    assert out["failing_tests"] == ["test_calc.py::test_answer"]
    assert "no plausible patch" in out["message"]


def _bad(*args: str) -> tuple[dict, str]:
    code, out, err = remedy_json(*args)
    assert code == 2, (out, err)
    assert out["status"] == "error"
    assert "Traceback" not in err, err
    errors = [line for line in err.splitlines() if line.startswith("remedy: error:")]
    assert len(errors) == 1, err
    return out, err


def test_bad_root_missing(tmp_path: Path):
    out, err = _bad("fix", "--root", str(tmp_path / "nope"))
    assert "does not exist" in err and "does not exist" in out["message"]


def test_bad_root_is_file(tmp_path: Path):
    (tmp_path / "f.py").write_text("x = 1\n")
    _, err = _bad("fix", "--root", str(tmp_path / "f.py"))
    assert "not a directory" in err


def test_bad_not_a_python_project(tmp_path: Path):
    (tmp_path / "README").write_text("hello\n")
    _, err = _bad("fix", "--root", str(tmp_path))
    assert "not a Python project" in err


def test_bad_unknown_test_id(invoice: Path):
    out, err = _bad("fix", "tests/test_pricing.py::test_nope", "--root", str(invoice))
    assert "tests/test_pricing.py::test_nope" in out["message"]


def test_bad_unknown_test_file(invoice: Path):
    out, err = _bad("fix", "tests/test_nothing.py", "--root", str(invoice))
    assert "tests/test_nothing.py" in err


def test_bad_syntax_error_says_where(invoice: Path):
    (invoice / "invoice" / "broken.py").write_text("def f(:\n    pass\n")
    with open(invoice / "invoice" / "pricing.py", "a") as fh:      # the tests reach it
        fh.write("\nfrom invoice import broken  # noqa: E402\n")
    _, err = _bad("fix", "--root", str(invoice))
    assert "invoice/broken.py:1" in err


def test_bad_pytest_missing(invoice: Path, tmp_path: Path):
    venv = tmp_path / "bare"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    _, err = _bad("fix", "--root", str(invoice), "--python", str(venv / "bin" / "python"))
    assert "pytest" in err


def test_bad_flag_is_one_line():
    proc = run_remedy("fix", "--engine", "quantum")
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1 and "quantum" in proc.stderr


def test_console_script_is_installed():
    script = Path(sys.executable).parent / "remedy"
    assert script.exists(), "pip install -e . must install the `remedy` console script"
    proc = subprocess.run([str(script), "--help"], capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 0 and "fix" in proc.stdout


def test_two_independent_bugs_are_fixed_together(tmp_path: Path):
    from conftest import FIXTURES, copy_project
    root = copy_project(FIXTURES / "twobugs", tmp_path / "twobugs")
    code, out, err = remedy_json("fix", "--root", str(root), "--apply")
    assert code == 0 and out["status"] == "fixed", (out, err)
    assert len(out["failing_tests"]) == 2
    assert _pytest_passes(root)


def test_settings_that_are_not_an_object_are_bad_input():
    import pytest
    from agent.config import Config
    from agent.errors import BadInput
    with pytest.raises(BadInput, match="must be an object"):
        Config.from_settings(["engine", "builtin"])  # type: ignore[arg-type]
