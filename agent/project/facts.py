"""Facts about a user's Python project that every part of Remedy reads the same way: which files
are tests, which folders never hold the project's own code, how a pytest node id is made, and where
its modules are rooted.

Pure functions of relative posix paths and node ids, and constants; the standard library only.
The coverage plugin loads this file by path inside the user's interpreter (Python 3.8+), so it
imports nothing of `agent` and uses nothing newer than 3.8.

Three kinds of test file, from narrow to wide:
- `is_test_file`: a module pytest collects tests from under its default ``python_files``
  (``test_*.py``, ``*_test.py``). A project may configure other patterns; where that matters,
  pytest is asked (the coverage plugin lists the modules it collected).
- `is_conftest`: a ``conftest.py``, test code that pytest imports but collects nothing from.
- `is_test_code`: either of those, or any file under a ``tests``/``test`` folder (helpers,
  fixtures): code that is never a suspect and never a repair's target.
"""
from __future__ import annotations

from fnmatch import fnmatchcase

__all__ = ["PYTEST_PYTHON_FILES", "CONFTEST", "TEST_DIRS", "SKIP_DIRS", "INSTALLED_DIRS",
           "NOT_SOURCE_DIRS", "BUILD_DIRS", "SRC_DIR", "SOURCE_ROOTS",
           "is_test_file", "is_conftest", "is_test_code", "is_source_file",
           "node_file", "node_names", "node_params", "node_function", "selects"]

PYTEST_PYTHON_FILES = ("test_*.py", "*_test.py")   # pytest's default `python_files`
CONFTEST = "conftest.py"
TEST_DIRS = frozenset({"tests", "test"})

# Folders that are never the project's files: not listed, copied, searched or watched. A folder
# holding a pyvenv.cfg (a virtualenv, whatever its name) is skipped as well.
SKIP_DIRS = frozenset({".git", "__pycache__", ".pytest_cache", ".remedy", "node_modules", ".tox",
                       ".mypy_cache", ".hg", ".svn"})
# Folders of installed code: what runs there is never the project's own source.
INSTALLED_DIRS = frozenset({"site-packages", "dist-packages", ".venv", "venv", ".tox", ".nox"})
NOT_SOURCE_DIRS = SKIP_DIRS | INSTALLED_DIRS
# Build outputs, tool caches and editor folders: no test run depends on what changes there.
BUILD_DIRS = frozenset({"build", "dist", ".eggs", ".ruff_cache", ".hypothesis", ".cache", ".idea",
                        ".vscode"})

SRC_DIR = "src"                  # a src layout's folder: its modules import without the prefix
SOURCE_ROOTS = ("", SRC_DIR)     # folders a module's dotted name is relative to


def _parts(rel: str) -> list[str]:
    return rel.replace("\\", "/").split("/")


def is_test_file(rel: str) -> bool:
    """Whether pytest's default ``python_files`` collects tests from `rel`."""
    name = _parts(rel)[-1]
    return any(fnmatchcase(name, pattern) for pattern in PYTEST_PYTHON_FILES)


def is_conftest(rel: str) -> bool:
    return _parts(rel)[-1] == CONFTEST


def is_test_code(rel: str) -> bool:
    """A test file, a conftest.py or anything under a tests/ (or test/) folder."""
    return is_test_file(rel) or is_conftest(rel) or any(p in TEST_DIRS for p in _parts(rel)[:-1])


def is_source_file(rel: str) -> bool:
    """A relative .py path inside the root that is neither test code nor installed code."""
    rel = rel.replace("\\", "/")
    if not rel or rel.startswith("/") or rel.startswith("../") or rel == ".." \
            or (len(rel) > 1 and rel[1] == ":") or not rel.endswith(".py"):
        return False
    if any(p in NOT_SOURCE_DIRS for p in rel.split("/")[:-1]):
        return False
    return not is_test_code(rel)


# A pytest node id: "tests/test_x.py::TestK::test_m[1-2]" is the file "tests/test_x.py", the
# names ("TestK", "test_m") and the parameters "[1-2]". An id may also name a file or a folder.

def node_file(test_id: str) -> str:
    """The file (or folder) part of a node id."""
    return test_id.split("::", 1)[0]


def node_names(test_id: str) -> tuple[str, ...]:
    """The classes and function after the file, parameters left out: ("TestK", "test_m")."""
    rest = test_id.partition("::")[2]
    return tuple(p.split("[", 1)[0] for p in rest.split("::") if p)


def node_params(test_id: str) -> str:
    """The parameters of a parametrized test ("[1-2]"), or ""."""
    rest = test_id.partition("::")[2]
    return rest[rest.index("["):] if "[" in rest else ""


def node_function(test_id: str) -> str:
    """The test's function name ("test_m"); "" for an id of a file or folder."""
    names = node_names(test_id)
    return names[-1] if names else ""


def selects(target: str, nodeid: str) -> bool:
    """Whether running `target` (a node id, class, file or folder) runs the test `nodeid`."""
    target = target.rstrip("/")
    target = target[2:] if target.startswith("./") else target
    return nodeid == target or nodeid.startswith((target + "::", target + "[", target + "/"))
