"""The facts about a user's project have one home, `agent.project.facts`, that every stage and
the pytest plugins read: which files are tests, which folders are not the project's code, how a
node id reads."""
import ast
from pathlib import Path

import pytest

from agent.project import facts
from agent.project.facts import (is_conftest, is_source_file, is_test_code, is_test_file,
                                 node_file, node_function, node_names, node_params, selects)

PROJECT = Path(facts.__file__).parent


@pytest.mark.parametrize("rel, test_file_, conftest, test_code", [
    ("tests/test_x.py", True, False, True),
    ("pkg/x_test.py", True, False, True),
    ("test_.py", True, False, True),
    ("conftest.py", False, True, True),
    ("a/conftest.py", False, True, True),
    ("tests/helpers.py", False, False, True),
    ("src/test/util.py", False, False, True),
    ("pkg/testing.py", False, False, False),
    ("pkg/tests.py", False, False, False),
    ("latest_test_data.py", False, False, False),
    ("tests/test_x.txt", False, False, True),
    ("pkg/test_x.txt", False, False, False),
    ("pkg\\test_win.py", True, False, True),
])
def test_three_kinds_of_test_file(rel, test_file_, conftest, test_code):
    assert (is_test_file(rel), is_conftest(rel), is_test_code(rel)) == (test_file_, conftest, test_code)


def test_source_files_are_the_projects_own_code():
    assert is_source_file("pkg/mod.py") and is_source_file("src/pkg/mod.py")
    for rel in ["tests/util.py", "pkg/conftest.py", ".venv/lib/python3.11/site-packages/x.py",
                "build/lib/x.py/../site-packages/y.py", ".tox/py/x.py", "node_modules/x.py", "../x.py"]:
        assert not is_source_file(rel), rel


def test_node_ids_read_one_way():
    tid = "tests/test_x.py::TestK::test_m[1-2]"
    assert node_file(tid) == "tests/test_x.py"
    assert node_names(tid) == ("TestK", "test_m") and node_function(tid) == "test_m"
    assert node_params(tid) == "[1-2]" and node_params("t.py::test_a") == ""
    assert node_file("tests/") == "tests/" and node_names("t.py") == () and node_function("t.py") == ""


def test_a_target_selects_what_pytest_would_run():
    assert selects("tests/test_x.py", "tests/test_x.py::test_a")
    assert selects("tests/", "tests/test_x.py::test_a")
    assert selects("t.py::test_a", "t.py::test_a[1]")
    assert not selects("t.py::test_a", "t.py::test_ab")
    assert selects("./t.py", "t.py::test_a")


def test_facts_need_only_the_standard_library_of_python_3_8():
    """The coverage plugin loads facts.py by path in the user's interpreter (3.8+)."""
    tree = ast.parse((PROJECT / "facts.py").read_text(encoding="utf-8"), feature_version=(3, 8))
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)} | \
        {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert imported <= {"__future__", "fnmatch"}
    assert "removeprefix" not in (PROJECT / "facts.py").read_text(encoding="utf-8")


def test_the_project_package_imports_nothing_of_the_sandbox():
    for path in PROJECT.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                module = "." * node.level + (node.module or "")
                assert "sandbox" not in module, f"{path.name} imports {module}"
