"""Test impact without running tests: ignore rules, the tree-sitter import graph, and the SQLite
coverage cache (including deletes)."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from agent.watch.graph import ImportGraph, imported_names, module_names
from agent.watch.impact import ImpactIndex
from agent.watch.observer import Change, is_ignored

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "watch_basic"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return Path(shutil.copytree(FIXTURE, tmp_path / "proj"))


def test_ignore_rules(tmp_path: Path):
    (tmp_path / "env").mkdir()
    (tmp_path / "env" / "pyvenv.cfg").write_text("home = /usr\n")
    assert not is_ignored(tmp_path, "pkg/calc.py")
    assert not is_ignored(tmp_path, "pyproject.toml")
    for rel in (".git/x.py", "pkg/__pycache__/calc.py", ".venv/lib/a.py", "env/lib/a.py",
                "build/lib/a.py", "node_modules/a.py", ".remedy/a.py", "remedy-sbx-1/p/a.py",
                "README.md", "pkg/data.json", "sub/pyproject.toml"):
        assert is_ignored(tmp_path, rel), rel


def test_imports_are_read_with_tree_sitter():
    src = b"import a.b as c, d\nfrom .calc import mul\nfrom ..up import x\nfrom e import *\n"
    assert imported_names(src, "pkg/sub/m.py") == {
        "a", "a.b", "d", "pkg", "pkg.sub", "pkg.sub.calc", "pkg.sub.calc.mul", "pkg.up", "pkg.up.x", "e"}
    assert module_names("src/pkg/__init__.py") == ["src.pkg", "pkg"]


def test_import_graph_is_transitive(project: Path):
    files = [str(p.relative_to(project)) for p in project.rglob("*.py")]
    graph = ImportGraph(project)
    assert graph.tests_importing("pkg/calc.py", files) == {"tests/test_calc.py", "tests/test_shapes.py"}
    assert graph.tests_importing("pkg/text.py", files) == {"tests/test_text.py"}


def test_fallback_before_coverage_then_coverage(project: Path):
    index = ImpactIndex(project)
    impact = index.affected([Change("pkg/calc.py")])
    assert impact.tests == ["tests/test_calc.py", "tests/test_shapes.py"]
    assert impact.via_graph == ["pkg/calc.py"]
    index.record({"tests/test_shapes.py::test_area": {"lines": {"pkg/calc.py": [5], "pkg/shapes.py": [5]}}})
    assert index.affected([Change("pkg/calc.py")]).tests == ["tests/test_shapes.py::test_area"]
    assert (project / ".remedy" / "impact.sqlite").is_file()
    index.close()
    again = ImpactIndex(project)            # the cache survives a restart
    assert again.tests_covering("pkg/shapes.py") == ["tests/test_shapes.py::test_area"]


def test_test_files_conftest_and_config(project: Path):
    index = ImpactIndex(project)
    assert index.affected([Change("tests/test_text.py")]).tests == ["tests/test_text.py"]
    (project / "tests" / "conftest.py").write_text("")
    index.update_files([Change("tests/conftest.py")])
    assert index.affected([Change("tests/conftest.py")]).tests == [
        "tests/test_calc.py", "tests/test_shapes.py", "tests/test_text.py"]
    assert index.affected([Change("pyproject.toml")]).everything


def test_deleted_and_renamed_files_leave_the_cache(project: Path):
    index = ImpactIndex(project)
    index.record({"tests/test_shapes.py::test_area": {"lines": {"pkg/shapes.py": [5]}}})
    (project / "tests" / "test_shapes.py").rename(project / "tests" / "test_area.py")
    moved = [Change("tests/test_shapes.py", deleted=True), Change("tests/test_area.py")]
    index.update_files(moved)
    assert index.affected(moved).tests == ["tests/test_area.py"]
    index.forget(moved)
    assert index.tests_covering("pkg/shapes.py") == []
    assert "tests/test_area.py" in index.affected([Change("pkg/shapes.py")]).tests
