"""Bug-case corpora: a case is a folder with `case.toml` naming the failing test ids, and either
holding the buggy project itself or pointing at a correct `project` plus a `bug_patch` that
injects the bug (then the reference fix is that patch reversed)."""
from __future__ import annotations

import shutil
import tomllib
from dataclasses import dataclass
from pathlib import Path

from ..errors import BadInput
from ..project import run_git

__all__ = ["Case", "load_corpus"]

_IGNORE = shutil.ignore_patterns("__pycache__", ".pytest_cache", ".remedy", "*.pyc")


@dataclass(frozen=True)
class Case:
    name: str
    folder: Path
    project: Path
    failing: tuple[str, ...]
    bug_patch: Path | None
    description: str = ""
    kind: str = ""
    edits: int = 1

    def materialize(self, dest: Path) -> None:
        """Write the buggy project into `dest` (which must not exist)."""
        shutil.copytree(self.project, dest, ignore=_IGNORE)
        (dest / "case.toml").unlink(missing_ok=True)
        if self.bug_patch is not None:
            # the copy is no repository: git must not find (and obey the config of) one around it
            proc = run_git(["apply", "--whitespace=nowarn", str(self.bug_patch)], dest,
                           env={"GIT_CEILING_DIRECTORIES": str(Path(dest).resolve().parent)})
            if proc.returncode != 0:
                stderr = proc.stderr.decode("utf-8", "replace").strip()
                raise BadInput(f"case {self.name}: bug patch does not apply: {stderr}")

    def reference(self, path: str) -> bytes | None:
        """The correct content of `path` (only known when the bug comes as a patch)."""
        if self.bug_patch is None:
            return None
        original = self.project / path
        return original.read_bytes() if original.exists() else None


def load_corpus(folder: Path | str, only: list[str] | None = None) -> list[Case]:
    root = Path(folder)
    if not root.is_dir():
        raise BadInput(f"corpus folder not found: {root}")
    cases = [_load_case(toml.parent) for toml in sorted(root.rglob("case.toml"))]
    if only:
        missing = sorted(set(only) - {c.name for c in cases})
        if missing:
            raise BadInput(f"no such case: {missing[0]}")
        cases = [c for c in cases if c.name in only]
    if not cases:
        raise BadInput(f"no case.toml found under {root}")
    return cases


def _load_case(folder: Path) -> Case:
    folder = folder.resolve()
    try:
        data = tomllib.loads((folder / "case.toml").read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise BadInput(f"{folder / 'case.toml'}: {exc}") from None
    failing = data.get("failing")
    if not failing or not isinstance(failing, list):
        raise BadInput(f"{folder / 'case.toml'}: 'failing' must list the failing test ids")
    project = (folder / data.get("project", ".")).resolve()
    patch = folder / data["bug_patch"] if data.get("bug_patch") else None
    return Case(name=folder.name, folder=folder, project=project, failing=tuple(failing),
                bug_patch=patch, description=data.get("description", ""), kind=data.get("kind", ""),
                edits=int(data.get("edits", 1)))
