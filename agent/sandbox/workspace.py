"""Scratch copies of a project: where candidates and their tests run instead of the user's files.

`scratch_copy` copies what git would track (or a filtered walk when the root is not a git work tree)
and always leaves out VCS data, virtualenvs and caches, so a copy is small and holds no stale
bytecode. `Sandbox` owns one such copy in a temporary directory and refuses writes that would land
outside it, including writes through symlinks that point out of the project.

Only regular files and symlinks that stay inside the project are listed, copied or read: FIFOs,
sockets and devices are never opened, a link out of the project, a broken link or a loop is left
out, and a directory link that would make the tree recurse forever (`self -> .`) is left out too.
`read_regular` is the one way Remedy reads a project file it found by walking the tree, and
`run_git` the one way it runs git on a user's project: no hook, fsmonitor or pager runs, and git
sees no secret.
"""
from __future__ import annotations

import errno
import os
import re
import shutil
import stat
import subprocess
import tempfile
from pathlib import Path
from typing import Sequence

from ..errors import BadInput
from .leftovers import SANDBOX_PREFIX, claim, remove_stale_sandboxes
from .process import minimal_env

__all__ = ["SKIP_DIRS", "READ_LIMIT", "Unreadable", "read_regular", "run_git", "scratch_copy",
           "project_files", "is_project_file", "Sandbox", "project_relative"]

SKIP_DIRS = frozenset({".git", "__pycache__", ".pytest_cache", ".remedy", "node_modules", ".tox",
                       ".mypy_cache", ".hg", ".svn"})
READ_LIMIT = 16 << 20            # the most bytes Remedy reads of any one project file

# Git executes programs named in the repository's own config: the fsmonitor hook (run by
# ls-files and status), hooks, a pager, ssh and credential helpers. The user's project is untrusted
# input, so none may run, whatever .git/config says (-c wins over every config file). Settings that
# name no program (core.untrackedCache, core.worktree, include.path) are harmless to a read-only
# listing, and safe.directory is left alone: a repository git refuses for its owner is walked.
_GIT_CONFIG = ("core.fsmonitor=false", "core.hooksPath=/dev/null", "core.pager=cat",
               "core.sshCommand=false", "core.askPass=", "credential.helper=",
               "protocol.allow=never")


class Unreadable(OSError):
    """A file Remedy will not read: not a regular file, or larger than the limit."""


def read_regular(path: Path | str, limit: int = READ_LIMIT, *, root: Path | str | None = None) -> bytes:
    """The bytes of a regular file (symlinks followed) of at most `limit` bytes; else Unreadable.
    With `root`, a path whose links lead out of `root` is Unreadable too.

    A FIFO, socket or device is never opened (stat first; O_NONBLOCK and fstat close the race of
    a file swapped in between), and a file that grows past `limit` while read is refused too."""
    path = os.fspath(path)
    if root is not None and not _inside(Path(os.path.realpath(path)), Path(os.path.realpath(root))):
        raise Unreadable(errno.EXDEV, "a link out of the project", path)
    if not stat.S_ISREG(os.stat(path).st_mode):
        raise Unreadable(errno.EINVAL, "not a regular file", path)
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise Unreadable(errno.EINVAL, "not a regular file", path)
        if st.st_size > limit:
            raise Unreadable(errno.EFBIG, f"larger than {_size(limit)}", path)
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            raise Unreadable(errno.EFBIG, f"larger than {_size(limit)}", path)
        return b"".join(chunks)
    finally:
        os.close(fd)


def _size(n: int) -> str:
    return f"{n >> 20} MiB" if n >= 1 << 20 and not n % (1 << 20) else f"{n} bytes"


def run_git(args: Sequence[str], cwd: Path | str, *, timeout: float = 60,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run `git ARGS` in `cwd` so that nothing the repository configures executes: no fsmonitor,
    hook, pager, prompt or credential helper; no optional index lock; an environment without
    secrets (or GIT_* variables of Remedy's own caller). Output is captured as bytes."""
    config = [arg for item in _GIT_CONFIG for arg in ("-c", item)]
    git_env = minimal_env({"GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0", "GIT_PAGER": "cat",
                           "GIT_ASKPASS": "", "SSH_ASKPASS": "", **(env or {})})
    return subprocess.run(["git", "--no-pager", *config, *args], cwd=str(cwd), env=git_env,
                          stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout)


def _skipped_dir(path: Path) -> bool:
    return path.name in SKIP_DIRS or (path / "pyvenv.cfg").exists()


def _git_files(root: Path) -> list[str] | None:
    # Git blocks opening a FIFO named .gitignore (or .git/HEAD): at the timeout it is killed and
    # the tree walked instead.
    try:
        inside = run_git(["rev-parse", "--is-inside-work-tree"], root, timeout=10)
        if inside.returncode != 0 or inside.stdout.strip() != b"true":
            return None
        out = run_git(["ls-files", "-co", "--exclude-standard", "-z"], root, timeout=30)
        if out.returncode != 0:
            return None
    except (OSError, subprocess.SubprocessError):
        return None
    files = [p for p in out.stdout.decode("utf-8", "surrogateescape").split("\0") if p]
    # A project inside a folder its enclosing repository ignores lists nothing: walk it instead.
    return files or None


def _walk_files(root: Path) -> list[str]:
    """Every entry but directories (links to directories included), never descending a link."""
    found: list[str] = []
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        links = [d for d in dirnames if (here / d).is_symlink()]
        dirnames[:] = [d for d in dirnames if d not in links and not _skipped_dir(here / d)]
        found.extend((here / f).relative_to(root).as_posix() for f in [*filenames, *links])
    return found


def _inside(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
        return True
    except ValueError:
        return False


def _skipped_rel(root: Path, rel: str) -> bool:
    parts = Path(rel).parts
    return any(p in SKIP_DIRS for p in parts) or \
        any(_skipped_dir(root.joinpath(*parts[:i])) for i in range(1, len(parts)))


class _Entries:
    """What each listed path of a project is, decided once from lstat/stat (nothing is opened):
    "file" (a regular file), "link" (a symlink to a kept file or directory inside the project) or
    absent (FIFO, socket, device, plain directory, broken link, loop, link out of the project)."""

    def __init__(self, root: Path, rels: list[str]) -> None:
        self.real_root = Path(os.path.realpath(root))
        self.kinds: dict[str, str] = {}
        self.links: dict[str, tuple[str, str]] = {}   # link rel -> ("file"|"dir", target rel)
        self._real_dirs: dict[str, bool] = {}
        dir_links: dict[str, str] = {}
        for rel in rels:
            if _skipped_rel(self.real_root, rel) or not self._real_parent(rel):
                continue
            kind = self._kind(rel)
            if kind == "file":
                self.kinds[rel] = "file"
            elif isinstance(kind, tuple):
                self.kinds[rel] = "link"
                self.links[rel] = kind
                if kind[0] == "dir":
                    dir_links[rel] = kind[1]
        for rel in _looping(dir_links):
            del self.kinds[rel], self.links[rel]

    def _real_parent(self, rel: str) -> bool:
        """Whether no folder on the way to `rel` is a link (git may list a file under a folder
        that has since been replaced by a link out of the project)."""
        parent = os.path.dirname(rel)
        if parent not in self._real_dirs:
            real = os.path.realpath(self.real_root / parent)
            self._real_dirs[parent] = real == os.path.normpath(self.real_root / parent)
        return self._real_dirs[parent]

    def _kind(self, rel: str) -> str | tuple[str, str] | None:
        path = self.real_root / rel
        try:
            st = os.lstat(path)
            if stat.S_ISREG(st.st_mode):
                return "file"
            if not stat.S_ISLNK(st.st_mode):
                return None
            target = Path(os.path.realpath(path, strict=True))    # OSError when broken or a loop
            st = os.stat(target)
        except (OSError, RuntimeError, ValueError):
            return None
        if not _inside(target, self.real_root):
            return None
        target_rel = target.relative_to(self.real_root).as_posix()
        if target_rel != "." and _skipped_rel(self.real_root, target_rel):
            return None                   # into .git, .remedy, a virtualenv: not the project's code
        if stat.S_ISREG(st.st_mode):
            return ("file", target_rel)
        if stat.S_ISDIR(st.st_mode):
            return ("dir", target_rel)
        return None                       # a link to a FIFO, socket or device


def _looping(dir_links: dict[str, str]) -> set[str]:
    """The directory links that a walk following links reaches again from inside themselves.
    First those into an ancestor of themselves (`self -> .`, `a/up -> ..`), then, among the rest,
    every link on a cycle (`p/l -> ../q` with `q/m -> ../p`). Leaving these out leaves a tree
    that any walk (pytest's collection included) finishes."""
    def within(rel: str, folder: str) -> bool:
        return folder == "." or rel.startswith(folder + "/")
    looping = {link for link, target in dir_links.items() if within(link, target)}
    rest = {link: target for link, target in dir_links.items() if link not in looping}
    # following a link lands in its target: from there, the links inside that target are next
    nxt = {a: [b for b in rest if within(b, target)] for a, target in rest.items()}
    for start in rest:
        seen, todo = set(), list(nxt[start])
        while todo:
            link = todo.pop()
            if link == start:
                looping.add(start)
                break
            if link not in seen:
                seen.add(link)
                todo.extend(nxt[link])
    return looping


def _listed(root: Path) -> list[str]:
    rels = _git_files(root)
    return rels if rels is not None else _walk_files(root)


def project_files(root: Path) -> list[str]:
    """Relative posix paths of the project's files, minus everything in SKIP_DIRS and virtualenvs:
    regular files, and links that stay inside the project to a regular file or a directory (see
    the module docstring for what is left out)."""
    return sorted(_Entries(Path(root), _listed(Path(root))).kinds)


def is_project_file(root: Path, rel: str) -> bool:
    """Whether `project_files(root)` would keep `rel` if git listed it (a regular file, or a link
    inside the project to one or to a folder); nothing is opened."""
    return rel in _Entries(Path(root), [Path(rel).as_posix()]).kinds


def _copy_one(entries: _Entries, dest: Path, rel: str) -> None:
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
    entries = _Entries(root, _listed(root))
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
        if not _inside(target, self.path):
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
        if not _inside(parent, self.path):
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
        entries = _Entries(self.root, [rel])
        link = entries.links.get(rel)
        if link is not None:   # how a link is copied (and whether it loops) depends on the rest
            entries = _Entries(self.root, _listed(self.root))
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
