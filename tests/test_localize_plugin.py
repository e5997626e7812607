"""The remedy_coverage pytest plugin, run for real in a pytest subprocess."""
from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path


from agent.localize import PLUGIN_DIR, PLUGIN_NAME, coverage_run_options
from agent.localize.spectrum import is_test_file as agent_is_test_file

FIXTURES = Path(__file__).parent / "fixtures"


def copy_fixture(name: str, dest: Path) -> Path:
    root = dest / name
    shutil.copytree(FIXTURES / name, root, ignore=shutil.ignore_patterns("__pycache__"))
    return root


def run_traced(root: Path, out: Path, *args: str, plugin: bool = True, python: str = sys.executable,
               extra_path: Path | None = None, **extra: str) -> subprocess.CompletedProcess:
    """pytest in a subprocess with the plugin, the way PytestRunner loads it (-p NAME, dir on
    PYTHONPATH, options in the environment). `extra_path` goes on PYTHONPATH after the plugins,
    `extra` into the environment."""
    plugins, paths, extra_env = coverage_run_options(out)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTEST_", "REMEDY_", "COV_CORE"))}
    path = [str(p) for p in paths] + ([str(extra_path)] if extra_path else [])
    env["PYTHONPATH"] = os.pathsep.join(path + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    env.update(extra_env, PYTEST_DISABLE_PLUGIN_AUTOLOAD="1", **extra)   # third-party plugins: ~1.5 s a run
    cmd = [python, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    if plugin:
        for name in plugins:
            cmd += ["-p", name]
    return subprocess.run(cmd + list(args), cwd=root, env=env, capture_output=True, text=True,
                          timeout=60)


def test_run_options_point_at_the_plugin(tmp_path):
    out = tmp_path / "cov.json"
    plugins, paths, env = coverage_run_options(out, root=tmp_path)
    assert plugins == [PLUGIN_NAME]
    assert paths == [PLUGIN_DIR]
    assert (paths[0] / f"{PLUGIN_NAME}.py").is_file()
    assert env == {"REMEDY_COVERAGE_OUT": str(out.absolute()),
                   "REMEDY_COVERAGE_ROOT": str(tmp_path.resolve())}
    assert "REMEDY_COVERAGE_ROOT" not in coverage_run_options(out)[2]


def test_plugin_is_standalone():
    allowed = {"remedy_coverage": {"__future__", "json", "os", "sys", "time", "warnings", "pathlib", "typing",
                                   "pytest", "coverage", "remedy_tracer"},
               "remedy_tracer": {"__future__", "sys", "threading", "typing"}}
    for name, modules in allowed.items():
        source = (PLUGIN_DIR / f"{name}.py").read_text()
        imported = set()
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Import):
                imported |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom):
                assert node.level == 0, "relative import in a standalone plugin"
                imported.add((node.module or "").split(".")[0])
        assert "agent" not in imported
        assert imported <= modules, name


def test_test_file_rules_agree_with_the_plugin():
    sys.path.insert(0, str(PLUGIN_DIR))
    try:
        import remedy_coverage
    finally:
        sys.path.remove(str(PLUGIN_DIR))
    paths = ["pkg/mod.py", "test_x.py", "pkg/test_x.py", "pkg/x_test.py", "conftest.py",
             "a/conftest.py", "tests/helpers.py", "src/test/util.py", "pkg/testing.py",
             "pkg/contest.py", "latest_test_data.py", "pkg/tests.py"]
    for p in paths:
        assert remedy_coverage.is_test_file(p) == agent_is_test_file(p), p
    assert [p for p in paths if not agent_is_test_file(p)] == [
        "pkg/mod.py", "pkg/testing.py", "pkg/contest.py", "latest_test_data.py", "pkg/tests.py"]


def test_json_shape_outcomes_and_parametrized_ids(tmp_path):
    root = copy_fixture("localize_branch", tmp_path)
    out = tmp_path / "out" / "cov.json"
    proc = run_traced(root, out)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    data = json.loads(out.read_text())
    assert set(data) == {"version", "root", "tracer", "test_files", "tests"}
    assert data["tracer"] == "coverage.py" and data["test_files"] == ["tests/test_pricing.py"]
    assert Path(data["root"]) == root.resolve()
    tests = data["tests"]
    assert set(tests) == {
        "tests/test_pricing.py::test_small_orders[10-1-10]",
        "tests/test_pricing.py::test_small_orders[3-5-15]",
        "tests/test_pricing.py::test_small_orders[2.5-4-10.0]",
        "tests/test_pricing.py::test_member_price",
        "tests/test_pricing.py::test_bulk_order[ten x 10]",
        "tests/test_pricing.py::test_bulk_order[one x [20]]",
        "tests/test_pricing.py::test_shipping",
    }
    outcomes = {k: v["outcome"] for k, v in tests.items()}
    assert [k for k, v in outcomes.items() if v == "failed"] == [
        "tests/test_pricing.py::test_bulk_order[ten x 10]",
        "tests/test_pricing.py::test_bulk_order[one x [20]]"]
    assert set(outcomes.values()) == {"passed", "failed"}
    src = (root / "shop/pricing.py").read_text().splitlines()
    bug = src.index("        total = total - 0.9") + 1
    shipping_return = src.index("        return 0") + 1
    for nodeid, entry in tests.items():
        # only the project's code: no test files, no tests/helpers.py, no conftest.py
        assert set(entry["lines"]) <= {"shop/pricing.py"}, nodeid
        lines = entry["lines"].get("shop/pricing.py", [])
        assert lines == sorted(lines) and all(isinstance(n, int) for n in lines)
        assert (bug in lines) == ("bulk" in nodeid), nodeid
        assert (shipping_return in lines) == nodeid.endswith("test_shipping"), nodeid


def test_outcomes_error_skip_xfail_and_no_context_leak(tmp_path):
    root = tmp_path / "proj"
    (root / "pkg").mkdir(parents=True)
    (root / "pytest.ini").write_text("[pytest]\npythonpath = .\n")
    (root / "pkg" / "__init__.py").write_text("")
    (root / "pkg" / "core.py").write_text(
        "def one():\n    return 1\n\n\ndef two():\n    return 2\n\n\ndef three():\n    return 3\n")
    (root / "test_core.py").write_text(
        "import pytest\nfrom pkg import core\n\n\n"
        "@pytest.fixture\ndef broken():\n    core.two()\n    raise RuntimeError('setup')\n\n\n"
        "def test_error(broken):\n    pass\n\n\n"
        "@pytest.mark.skip\ndef test_skipped():\n    core.three()\n\n\n"
        "@pytest.mark.xfail(strict=False)\ndef test_xfail():\n    core.one()\n    assert False\n\n\n"
        "@pytest.mark.xfail(strict=False)\ndef test_xpass():\n    core.one()\n\n\n"
        "def test_pass():\n    assert core.three() == 3\n")
    out = tmp_path / "cov.json"
    proc = run_traced(root, out)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    tests = json.loads(out.read_text())["tests"]
    assert {k.split("::")[1]: v["outcome"] for k, v in tests.items()} == {
        "test_error": "error", "test_skipped": "skipped", "test_xfail": "xfailed",
        "test_xpass": "xpassed", "test_pass": "passed"}
    lines = {k.split("::")[1]: v["lines"].get("pkg/core.py", []) for k, v in tests.items()}
    assert lines == {"test_error": [6], "test_skipped": [], "test_xfail": [2],
                     "test_xpass": [2], "test_pass": [10]}


def test_inert_without_the_environment_variable(tmp_path):
    root = copy_fixture("localize_deep", tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "REMEDY_"))}
    env.update(PYTHONPATH=str(PLUGIN_DIR), PYTEST_DISABLE_PLUGIN_AUTOLOAD="1")
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", PLUGIN_NAME,
                           "tests/test_report.py::test_mean"],
                          cwd=root, env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1 passed" in proc.stdout
    assert sorted(p.name for p in root.iterdir()) == ["app", "conftest.py", "pytest.ini", "tests"]


def test_collection_crash_still_writes_json(tmp_path):
    root = copy_fixture("localize_import", tmp_path)
    out = tmp_path / "cov.json"
    proc = run_traced(root, out)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert json.loads(out.read_text())["tests"] == {}
    out.unlink()
    proc = run_traced(root, out, "tests/test_text.py")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert json.loads(out.read_text())["tests"] == {
        "tests/test_text.py::test_shout": {"outcome": "passed", "lines": {"app/text.py": [2]}}}


def test_without_coverage_py_its_own_tracer_records_the_same_lines(tmp_path):
    root = copy_fixture("localize_deep", tmp_path)
    shadow = tmp_path / "shadow"
    shadow.mkdir()
    (shadow / "coverage.py").write_text("raise ImportError('coverage is not installed here')\n")
    reference = tmp_path / "reference.json"
    assert run_traced(root, reference).returncode == 1
    out = tmp_path / "cov.json"
    proc = run_traced(root, out, extra_path=shadow)
    assert proc.returncode == 1 and "1 failed, 3 passed" in proc.stdout, proc.stdout + proc.stderr
    data = json.loads(out.read_text())
    assert "error" not in data
    assert data["tracer"] == ("sys.monitoring" if sys.version_info >= (3, 12) else "settrace")
    assert data["tests"] == json.loads(reference.read_text())["tests"]
    assert any(entry["lines"] for entry in data["tests"].values())

    out.unlink()    # told to use coverage.py where it is missing: the run goes on and says why
    proc = run_traced(root, out, extra_path=shadow, REMEDY_COVERAGE_TRACER="coverage")
    assert proc.returncode == 1 and "1 failed, 3 passed" in proc.stdout, proc.stdout + proc.stderr
    data = json.loads(out.read_text())
    assert data["tests"] == {} and "coverage is not installed here" in data["error"]
