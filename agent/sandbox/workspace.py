"""Scratch copies of a project: where candidates and their tests run instead of the user's files.

`scratch_copy` copies what git would track (or a filtered walk when the root is not a git work tree)
and always leaves out VCS data, virtualenvs and caches, so a copy is small and holds no stale
bytecode. `Sandbox` owns one such copy in a temporary directory and refuses writes that would land
outside it, including writes through symlinks that point out of the project.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..errors import BadInput

__all__ = ["SKIP_DIRS", "scratch_copy", "project_files", "Sandbox"]

SKIP_DIRS = frozenset({".git", "__pycache__", ".pytest_cache", ".remedy", "node_modules", ".tox",
                       ".mypy_cache", ".hg", ".svn"})


def _skipped_dir(path: Path) -> bool:
    return path.name in SKIP_DIRS or (path / "pyvenv.cfg").exists()


def _git_files(root: Path) -> list[str] | None:
    try:
        inside = subprocess.run(["git", "-C", str(root), "rev-parse", "--is-inside-work-tree"],
                                capture_output=True, text=True, timeout=30)
        if inside.returncode != 0 or inside.stdout.strip() != "true":
            return None
        out = subprocess.run(["git", "-C", str(root), "ls-files", "-co", "--exclude-standard", "-z"],
                             capture_output=True, timeout=60, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    files = [p for p in out.stdout.decode("utf-8", "surrogateescape").split("\0") if p]
    # A project inside a folder its enclosing repository ignores lists nothing: walk it instead.
    return files or None


def _walk_files(root: Path) -> list[str]:
    found: list[str] = []
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        dirnames[:] = [d for d in dirnames
                       if not (here / d).is_symlink() and not _skipped_dir(here / d)]
        found.extend((here / f).relative_to(root).as_posix() for f in filenames)
        found.extend((here / d).relative_to(root).as_posix() for d in os.listdir(here)
                     if (here / d).is_symlink() and (here / d).is_dir())
    return found


def project_files(root: Path) -> list[str]:
    """Relative posix paths of the project's files, minus everything in SKIP_DIRS and virtualenvs."""
    root = Path(root)
    rels = _git_files(root)
    if rels is None:
        rels = _walk_files(root)
    keep = []
    for rel in rels:
        parts = Path(rel).parts
        if any(p in SKIP_DIRS for p in parts):
            continue
        if any(_skipped_dir(root.joinpath(*parts[:i])) for i in range(1, len(parts))):
            continue
        keep.append(rel)
    return sorted(set(keep))


def _inside(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
        return True
    except ValueError:
        return False


def _copy_one(root: Path, real_root: Path, dest: Path, rel: str) -> None:
    src, dst = root / rel, dest / rel
    if not os.path.lexists(src):
        return                       # tracked by git but deleted in the work tree
    dst.parent.mkdir(parents=True, exist_ok=True)
    if src.is_symlink():
        target = src.resolve()
        if _inside(target, real_root) and target.exists():
            # keep links inside the project as links, relative, so they stay inside the copy
            os.symlink(os.path.relpath(dest / target.relative_to(real_root), dst.parent), dst)
        elif target.is_file():
            shutil.copyfile(target, dst)        # a private copy: writes cannot reach the target
        return
    if src.is_file():
        shutil.copy2(src, dst)


def scratch_copy(root: Path, dest: Path) -> None:
    """Copy the project at `root` into `dest` (created if needed), respecting .gitignore."""
    root, dest = Path(root), Path(dest)
    real_root = root.resolve()
    dest.mkdir(parents=True, exist_ok=True)
    for rel in project_files(root):
        _copy_one(root, real_root, dest, rel)


class Sandbox:
    """A temporary scratch copy of a project; removed on exit.

        with Sandbox(root) as sbx:
            sbx.write("pkg/mod.py", b"...")
            run_tests(sbx.path)
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._tmp: str | None = None
        self.path = Path()

    def __enter__(self) -> "Sandbox":
        self._tmp = tempfile.mkdtemp(prefix="remedy-sbx-")
        self.path = Path(self._tmp).resolve() / "project"
        scratch_copy(self.root, self.path)
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    def resolve(self, rel: str) -> Path:
        """The real path of `rel` inside the copy; BadInput if it would leave the copy."""
        if not rel or Path(rel).is_absolute():
            raise BadInput(f"path must be relative to the project: {rel!r}")
        target = (self.path / rel).resolve()
        if not _inside(target, self.path):
            raise BadInput(f"path leaves the sandbox: {rel}")
        return target

    def write(self, rel: str, data: bytes) -> None:
        target = self.resolve(rel)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)

    def read(self, rel: str) -> bytes:
        return self.resolve(rel).read_bytes()

    def exists(self, rel: str) -> bool:
        return self.resolve(rel).exists()

    def remove(self, rel: str) -> None:
        self.resolve(rel).unlink(missing_ok=True)

    def restore(self, rel: str) -> None:
        """Put `rel` back as it is in the original root (or remove it if the root has none)."""
        target = self.resolve(rel)
        original = self.root / rel
        if original.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(original, target)
        else:
            target.unlink(missing_ok=True)
