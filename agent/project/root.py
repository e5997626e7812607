"""What a repair needs to know about the user's project before touching it: that the root is a
Python project, which interpreter runs its tests, and where its files are. Every failure here is
bad input: one clear line, nothing written.

A file that does not compile (a Python 2 example, a formatter's test input) stops a repair only when
the failing tests reach it or a candidate would edit it (`Project.check_reached`), not on sight:
so only those files are compiled."""
from __future__ import annotations

import errno
import logging
import re
import sys
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..errors import NotAProject, UserSyntaxError
from .facts import SRC_DIR, is_test_file
from .files import project_files, read_regular

__all__ = ["Project", "open_project", "detect_python", "source_path_env"]

log = logging.getLogger("agent.project")


@dataclass(frozen=True)
class Project:
    root: Path
    python: str
    sources: tuple[str, ...]        # every .py file, relative posix paths

    @property
    def test_files(self) -> list[str]:
        return [p for p in self.sources if is_test_file(p)]

    def read(self, rel: str) -> bytes:
        return read_regular(self.root / rel)

    def files_importing(self, module_rel: str) -> list[str]:
        """Test files whose text names the module of `module_rel` (a cheap import-graph edge)."""
        dotted = module_rel[:-3].replace("/", ".").removeprefix(SRC_DIR + ".")
        stem = dotted.rsplit(".", 1)[-1]
        pattern = re.compile(rf"\b({re.escape(dotted)}|{re.escape(stem)})\b")
        hits = []
        for rel in self.test_files:
            try:
                if pattern.search(read_regular(self.root / rel).decode("utf-8", errors="replace")):
                    hits.append(rel)
            except OSError:
                continue
        return hits

    def check_reached(self, paths: Iterable[str], texts: Iterable[str] = ()) -> None:
        """Raise the syntax error of the first source among `paths` (files a candidate would edit,
        traceback frames) or named in `texts` (failure messages, collection errors) that does
        not compile."""
        paths, text = set(paths), "\n".join(texts)
        for rel in self.sources:
            if rel in paths or (rel in text and re.search(rf"(?:^|[/\\\s\"'(]){re.escape(rel)}\b", text)):
                error = _syntax_error(self.root, rel)
                if error:
                    raise UserSyntaxError(error)


def open_project(root: Path | str, python: str = "") -> Project:
    path = Path(root).expanduser()
    if not path.exists():
        raise NotAProject(f"root does not exist: {path}")
    if not path.is_dir():
        raise NotAProject(f"root is not a directory: {path}")
    path = path.resolve()
    sources = tuple(rel for rel in _python_files(path) if _readable(path, rel))
    if not sources:
        raise NotAProject(f"not a Python project (no .py files): {path}")
    return Project(root=path, python=python or detect_python(path), sources=sources)


def _python_files(root: Path) -> list[str]:
    """The .py files among the project's regular files (no FIFO, device or link out of it)."""
    return [rel for rel in project_files(root) if rel.endswith(".py")]


def _readable(root: Path, rel: str) -> bool:
    """Whether `rel` is a source to repair (False: too large to read, left out)."""
    try:
        read_regular(root / rel)
    except OSError as exc:
        if exc.errno == errno.EFBIG:
            log.warning("remedy: skipped %s: %s", rel, exc.strerror)
            return False
        raise NotAProject(f"cannot read {rel}: {exc.strerror}") from None
    return True


def _syntax_error(root: Path, rel: str) -> str:
    """The one-line syntax error of `rel`, or "" when it compiles (or can no longer be read)."""
    try:
        with warnings.catch_warnings():     # a SyntaxWarning is the project's own business
            warnings.simplefilter("ignore")
            compile(read_regular(root / rel), rel, "exec", dont_inherit=True)
    except SyntaxError as exc:
        return f"syntax error in {rel}:{exc.lineno}:{exc.offset or 0}: {exc.msg}"
    except ValueError as exc:   # e.g. null bytes
        return f"cannot compile {rel}: {exc}"
    except OSError:
        return ""
    return ""


def detect_python(root: Path) -> str:
    """The project's own virtualenv interpreter, else Remedy's."""
    for venv in (".venv", "venv", "env"):
        candidate = root / venv / "bin" / "python"
        if candidate.exists():
            return str(candidate)
    return sys.executable


def source_path_env(root: Path) -> dict[str, str]:
    """Make a copy's own sources win over an installed (e.g. editable) copy of the project."""
    return {"PYTHONPATH": SRC_DIR} if (Path(root) / SRC_DIR).is_dir() else {}
