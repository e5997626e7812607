"""Which tests a session's targets name: the files pytest is given, and whether a test id is one
of the targets (a node id, a parametrized id, a file or a folder)."""
from __future__ import annotations

from collections.abc import Sequence

from ..errors import UnknownTest
from ..project import Project
from ..sandbox.workspace import is_project_file

__all__ = ["target_files", "selects", "is_target"]


def target_files(project: Project, targets: Sequence[str]) -> list[str]:
    """The project files or folders the targets are in (none: the whole suite); UnknownTest for a
    target that names no regular Python file or folder of the project."""
    files = []
    for target in targets:
        path = target.split("::")[0].split("[")[0].rstrip("/")
        while path.startswith("./"):
            path = path[2:]
        if not (project.root / path).exists():
            raise UnknownTest(f"unknown test: {target} (no such file: {path})")
        folder = (project.root / path).is_dir() and not (project.root / path).is_symlink()
        if not folder and not is_project_file(project.root, path):    # a FIFO, a link out
            raise UnknownTest(f"unknown test: {target} (not a regular file of the project: {path})")
        if not folder and not path.endswith(".py"):
            raise UnknownTest(f"unknown test: {target} ({path} is not a Python file)")
        files.append(path)
    # pytest finds the tests in them, or in the whole project, by its own configuration.
    return list(dict.fromkeys(files))


def selects(target: str, test_id: str) -> bool:
    target = target.rstrip("/").removeprefix("./")
    return test_id == target or test_id.startswith((target + "::", target + "[", target + "/"))


def is_target(targets: Sequence[str], test_id: str) -> bool:
    """No targets select every test."""
    return not targets or any(selects(t, test_id) for t in targets)
