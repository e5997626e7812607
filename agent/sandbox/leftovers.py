"""What a Remedy process killed outright (SIGKILL, a power cut) leaves behind, and removing it on
the next start: the temporary siblings of files being written into the project
(`.<name>.<pid>.<random>.remedy-tmp`, see apply.py) and scratch copies under the temp folder
(`remedy-sbx-*`, see workspace.py).

A scratch copy's owner holds an exclusive `flock` on `<copy>/.remedy-owner` while the copy lives;
the kernel drops the lock when the owner dies however it dies, so a copy whose lock can be taken is
stale. A temporary sibling names its writer's pid; it is stale once that process is gone."""
from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
import time
from pathlib import Path

__all__ = ["TMP_SUFFIX", "SANDBOX_PREFIX", "temp_prefix", "claim", "remove_stale_sandboxes",
           "remove_apply_leftovers"]

TMP_SUFFIX = ".remedy-tmp"
SANDBOX_PREFIX = "remedy-sbx-"
OWNER_LOCK = ".remedy-owner"
UNCLAIMED_AGE_S = 86400.0     # a copy with no lock file: an older Remedy made it (or one is making it now)


def temp_prefix(path: Path) -> str:
    """The name prefix of a temporary sibling of `path` written by this process."""
    return f".{path.name}.{os.getpid()}."


def claim(folder: Path) -> int:
    """Mark `folder` as in use by this process until the returned descriptor is closed."""
    # Locked before it gets its name, so that no cleaner can take the lock in between.
    fresh = folder / (OWNER_LOCK + ".new")
    fd = os.open(fresh, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    os.rename(fresh, folder / OWNER_LOCK)
    return fd


def remove_stale_sandboxes(temp_root: Path | None = None) -> list[Path]:
    """Remove the scratch copies whose owner is gone; returns what was removed."""
    removed: list[Path] = []
    base = Path(temp_root or tempfile.gettempdir())
    try:
        candidates = [p for p in base.iterdir() if p.name.startswith(SANDBOX_PREFIX)]
    except OSError:
        return removed
    for folder in candidates:
        if _abandoned(folder):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def _abandoned(folder: Path) -> bool:
    try:
        if folder.is_symlink() or not folder.is_dir():
            return False
        fd = os.open(folder / OWNER_LOCK, os.O_RDWR | os.O_CLOEXEC | os.O_NOFOLLOW)
    except FileNotFoundError:
        try:
            return time.time() - folder.stat().st_mtime > UNCLAIMED_AGE_S
        except OSError:
            return False
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError:
        return False            # its owner still holds it
    finally:
        os.close(fd)


def remove_apply_leftovers(root: Path, skip_dirs: frozenset[str]) -> list[Path]:
    """Remove the temporary siblings left in the project by writers that are gone."""
    removed = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if (d not in skip_dirs or d == ".remedy")
                   and not os.path.exists(os.path.join(folder, d, "pyvenv.cfg"))]
        for name in files:
            if name.startswith(".") and name.endswith(TMP_SUFFIX) and not _writer_alive(name):
                path = Path(folder) / name
                try:
                    path.unlink()
                    removed.append(path)
                except OSError:
                    pass
    return removed


def _writer_alive(name: str) -> bool:
    parts = name[:-len(TMP_SUFFIX)].rsplit(".", 2)
    if len(parts) != 3 or not parts[1].isdigit():
        return False            # an older Remedy's name, without a pid
    pid = int(parts[1])
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
