"""Scratch copies of a project: where candidates and their tests run instead of the user's files.

`scratch_copy` copies what `agent.project.files` lists (what git would track, or a filtered walk),
so a copy is small and holds no stale bytecode. `Sandbox` owns one such copy in a temporary
directory and refuses writes that would land outside it, including writes through symlinks that
point out of the project.
"""
from __future__ import annotations

import errno
import os
import re
import shutil
import stat
import tempfile
from pathlib import Path

from ..errors import BadInput
from ..project.files import ProjectEntries, Unreadable, inside, listed_paths, read_regular
from .leftovers import SANDBOX_PREFIX, claim, remove_stale_sandboxes

__all__ = ["scratch_copy", "Sandbox", "project_relative"]


def _copy_one(entries: ProjectEntries, dest: Path, rel: str) -> None:
    kind = entries.kinds.get(rel)
    if kind is None:
        return
    src, dst = entries.real_root / rel, dest / rel
    dst.parent.mkdir(parents=True, exist_ok=True)
    if kind == "link":
        what, target = entries.links[rel]
        if what == "dir":
            (dest / target).mkdir(parents=True, exist_ok=True)
        if what == "dir" or entries.kinds.get(target) == "file":
            # a link inside the project stays a relative link inside the copy
            os.symlink(os.path.relpath(dest / target, dst.parent), dst)
            return
        src = entries.real_root / target      # a link to an ignored file: a private copy
    try:
        _copy_regular(src, dst)
    except OSError:
        pass                                  # vanished or swapped for a non-file meanwhile


def _copy_regular(src: Path, dst: Path) -> None:
    """Copy a regular file (mode and times kept); never opens anything else."""
    fd = os.open(src, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC | os.O_NOFOLLOW)
    with os.fdopen(fd, "rb") as fin:
        st = os.fstat(fin.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise Unreadable(errno.EINVAL, "not a regular file", str(src))
        os.set_blocking(fin.fileno(), True)
        with open(dst, "wb") as fout:
            shutil.copyfileobj(fin, fout, 1 << 20)
    os.chmod(dst, stat.S_IMODE(st.st_mode))
    os.utime(dst, ns=(st.st_atime_ns, st.st_mtime_ns))


def scratch_copy(root: Path, dest: Path) -> None:
    """Copy the project at `root` into `dest` (created if needed), respecting .gitignore."""
    root, dest = Path(root), Path(dest)
    entries = ProjectEntries(root, listed_paths(root))
    dest.mkdir(parents=True, exist_ok=True)
    for rel in sorted(entries.kinds):
        _copy_one(entries, dest, rel)


# A path into a scratch copy, as pytest and Python print it: `/tmp/remedy-sbx-k5jhal39/project/a.py`.
_COPY_PATH = re.compile(r"(?:/[^\s'\"()<>=:,;]*)?/" + SANDBOX_PREFIX + r"\w+/project(/|(?![\w/.-]))")


def project_relative(text: str) -> str:
    """`text` (a test's message, a collection error) with paths into a scratch copy written as
    the user knows them: relative to the project, and the copy's root as `.`."""
    if SANDBOX_PREFIX not in text:
        return text
    return _COPY_PATH.sub(lambda m: "" if m.group(1) == "/" else ".", text)


class Sandbox:
    """A temporary scratch copy of a project; removed on exit.

        with Sandbox(root) as sbx:
            sbx.write("pkg/mod.py", b"...")
            run_tests(sbx.path)
    """

    _swept = False               # stale copies of killed runs are removed once per process

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._tmp: str | None = None
        self._claim: int | None = None
        self.path = Path()

    def __enter__(self) -> "Sandbox":
        if not Sandbox._swept:
            Sandbox._swept = True
            remove_stale_sandboxes()
        self._tmp = tempfile.mkdtemp(prefix=SANDBOX_PREFIX)
        self._claim = claim(Path(self._tmp))
        self.path = Path(self._tmp).resolve() / "project"
        try:
            scratch_copy(self.root, self.path)
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None
        if self._claim is not None:
            os.close(self._claim)
            self._claim = None

    def resolve(self, rel: str) -> Path:
        """The real path of `rel` inside the copy; BadInput if it would leave the copy."""
        if not rel or Path(rel).is_absolute():
            raise BadInput(f"path must be relative to the project: {rel!r}")
        target = (self.path / rel).resolve()
        if not inside(target, self.path):
            raise BadInput(f"path leaves the sandbox: {rel}")
        return target

    def write(self, rel: str, data: bytes) -> None:
        target = self.resolve(rel)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)

    def read(self, rel: str) -> bytes:
        return read_regular(self.resolve(rel))

    def exists(self, rel: str) -> bool:
        return self.resolve(rel).exists()

    def remove(self, rel: str) -> None:
        """Remove the entry `rel` of the copy (a link itself, not what it points to)."""
        entry = self._checked(rel)
        parent = Path(os.path.realpath(entry.parent))
        if not inside(parent, self.path):
            raise BadInput(f"path leaves the sandbox: {rel}")
        entry = parent / entry.name
        if entry.is_symlink() or (os.path.lexists(entry) and not entry.is_dir()):
            entry.unlink()

    def restore(self, rel: str) -> None:
        """Put `rel` back as it is in the original root (or remove it if the root has none, or
        it is nothing a copy holds: a FIFO, a link out of the project, ...)."""
        entry = self._real_parents(rel)
        if entry.is_symlink() or (os.path.lexists(entry) and not entry.is_dir()):
            entry.unlink()
        elif entry.is_dir():
            shutil.rmtree(entry)
        rel = Path(rel).as_posix()
        entries = ProjectEntries(self.root, [rel])
        link = entries.links.get(rel)
        if link is not None:   # how a link is copied (and whether it loops) depends on the rest
            entries = ProjectEntries(self.root, listed_paths(self.root))
        _copy_one(entries, self.path, rel)
        if link is not None and link[0] == "file":
            self.restore(link[1])        # a write through the link changed its target in the copy

    def _checked(self, rel: str) -> Path:
        parts = Path(rel).parts
        if not rel or Path(rel).is_absolute() or ".." in parts or not parts:
            raise BadInput(f"path must be relative to the project: {rel!r}")
        return self.path.joinpath(*parts)

    def _real_parents(self, rel: str) -> Path:
        """`self.path / rel` once every folder on the way there is a real folder of the copy:
        a link or a file standing in the way (a test may leave one) is replaced by a folder."""
        entry = self._checked(rel)
        here = self.path
        for part in Path(rel).parts[:-1]:
            here = here / part
            if here.is_symlink() or (os.path.lexists(here) and not here.is_dir()):
                here.unlink()
            here.mkdir(exist_ok=True)
        return entry
