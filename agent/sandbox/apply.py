"""Writing an accepted patch into the user's project, atomically and undoably.

This is the only place Remedy changes the user's files outside an editor. Each file is written to a
temporary sibling and moved over the original with os.replace (readers see the old file or the new
one, never half of either), keeping the original's mode and, where it may, its owner. A file with
other hard links, or whose owner this process cannot give the new file, is rewritten in place
instead: replacing it would cut it off from its links or hand it to another user. Before anything
is written the originals are recorded under `<root>/.remedy/undo/<id>.json`, with a digest of what
was written, so `undo_last(root)` can put them back, and refuses to when a file has been edited
since (that would discard the edit).
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from ..errors import BadInput
from ..project import SKIP_DIRS
from .leftovers import TMP_SUFFIX, remove_apply_leftovers, temp_prefix

__all__ = ["AppliedPatch", "apply_to_root", "undo_last", "remove_leftovers"]

UNDO_DIR = Path(".remedy") / "undo"


@dataclass(frozen=True)
class AppliedPatch:
    undo_id: str
    files: tuple[str, ...]


def remove_leftovers(root: Path) -> list[Path]:
    """The temporary files an apply killed midway left in the project, removed."""
    return remove_apply_leftovers(Path(root), SKIP_DIRS)


def _target(root: Path, rel: str) -> Path:
    if not rel or Path(rel).is_absolute():
        raise BadInput(f"patch path must be relative to the project: {rel!r}")
    real_root = root.resolve()
    target = (root / rel).resolve()
    try:
        target.relative_to(real_root)
    except ValueError:
        raise BadInput(f"patch path leaves the project: {rel}") from None
    return target


def _write(path: Path, data: bytes, mode: int | None) -> None:
    try:
        st = path.stat()
    except FileNotFoundError:
        st = None
    if st is not None and st.st_nlink > 1:
        _write_in_place(path, data)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=temp_prefix(path), suffix=TMP_SUFFIX, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        if st is not None and (st.st_uid, st.st_gid) != _owner(tmp):
            try:
                os.chown(tmp, st.st_uid, st.st_gid)
                if mode is not None:
                    os.chmod(tmp, mode)          # chown clears set-id bits
            except PermissionError:
                Path(tmp).unlink(missing_ok=True)
                _write_in_place(path, data)
                return
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _owner(path: str) -> tuple[int, int]:
    st = os.stat(path)
    return st.st_uid, st.st_gid


def _write_in_place(path: Path, data: bytes) -> None:
    """Rewrite the file's own inode (links, owner and mode stay); the undo record is on disk
    first, so even a write cut short can be undone."""
    with open(path, "r+b") as fh:
        fh.write(data)
        fh.truncate()
        fh.flush()
        os.fsync(fh.fileno())


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _snapshot(path: Path) -> dict:
    if not path.exists():
        return {"exists": False}
    return {"exists": True, "mode": path.stat().st_mode & 0o7777,
            "data": base64.b64encode(path.read_bytes()).decode("ascii")}


def _restore(path: Path, snap: dict) -> None:
    if snap["exists"]:
        _write(path, base64.b64decode(snap["data"]), snap["mode"])
    else:
        path.unlink(missing_ok=True)


def apply_to_root(root: Path, files: Mapping[str, bytes]) -> AppliedPatch:
    """Write `files` (relative path -> new bytes) into `root`; all of them or, on error, none."""
    root = Path(root)
    targets = {rel: _target(root, rel) for rel in files}
    originals = {rel: _snapshot(path) for rel, path in targets.items()}
    undo_id = f"{time.strftime('%Y%m%dT%H%M%S')}-{time.time_ns() % 10**9:09d}-{uuid.uuid4().hex[:6]}"
    record = {"id": undo_id, "created": time.time(), "files": originals,
              "written": {rel: _digest(data) for rel, data in files.items()}}
    _write(root / UNDO_DIR / f"{undo_id}.json", json.dumps(record).encode(), None)
    done: list[str] = []
    try:
        for rel, data in files.items():
            snap = originals[rel]
            _write(targets[rel], data, snap.get("mode"))
            done.append(rel)
    except BaseException:
        for rel in reversed(done):
            _restore(targets[rel], originals[rel])
        (root / UNDO_DIR / f"{undo_id}.json").unlink(missing_ok=True)
        raise
    return AppliedPatch(undo_id, tuple(files))


def undo_last(root: Path) -> AppliedPatch | None:
    """Restore the files of the most recent applied patch; None when there is nothing to undo.
    BadInput, with nothing restored, when its record is unreadable or a file it wrote has been
    changed since."""
    root = Path(root)
    records = sorted((root / UNDO_DIR).glob("*.json")) if (root / UNDO_DIR).is_dir() else []
    if not records:
        return None
    latest = records[-1]
    record = _read_record(root, latest)
    targets = {rel: _target(root, rel) for rel in record["files"]}
    for rel, digest in record.get("written", {}).items():
        path = targets.get(rel)
        current = path.read_bytes() if path is not None and path.is_file() else None
        if current is None or _digest(current) != digest:
            raise BadInput(f"{rel} changed after the patch was applied; not undoing it, as that "
                           f"would discard the change (undo record {latest.relative_to(root)})")
    for rel, snap in record["files"].items():
        _restore(targets[rel], snap)
    latest.unlink()
    return AppliedPatch(record["id"], tuple(record["files"]))


def _read_record(root: Path, path: Path) -> dict:
    """An undo record, checked: BadInput naming the file when it is not one."""
    name = path.relative_to(root)
    try:
        record = json.loads(path.read_bytes())
        files, written = record["files"], record.get("written", {})
        ok = (isinstance(record["id"], str) and isinstance(files, dict) and isinstance(written, dict)
              and all(isinstance(rel, str) and isinstance(snap, dict) and isinstance(snap.get("exists"), bool)
                      for rel, snap in files.items())
              and all(isinstance(d, str) for d in written.values()))
        for snap in files.values():
            if ok and snap["exists"]:
                base64.b64decode(snap["data"], validate=True)
                ok = isinstance(snap["mode"], int)
    except (OSError, ValueError, KeyError, TypeError, binascii.Error) as exc:
        raise BadInput(f"undo record {name} is unreadable ({type(exc).__name__}: {exc}); "
                       "nothing was restored") from None
    if not ok:
        raise BadInput(f"undo record {name} is not a Remedy undo record; nothing was restored")
    return record
