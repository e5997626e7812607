"""Writing an accepted patch into the user's project, atomically and undoably.

This is the only place Remedy changes the user's files outside an editor. Each file is written to a
temporary sibling and moved over the original with os.replace (readers see the old file or the new
one, never half of either), keeping the original's mode. Before anything is written the originals
are recorded under `<root>/.remedy/undo/<id>.json`, so `undo_last(root)` can put them back.
"""
from __future__ import annotations

import base64
import json
import os
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from ..errors import BadInput

__all__ = ["AppliedPatch", "apply_to_root", "undo_last"]

UNDO_DIR = Path(".remedy") / "undo"


@dataclass(frozen=True)
class AppliedPatch:
    undo_id: str
    files: tuple[str, ...]


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


def _atomic_write(path: Path, data: bytes, mode: int | None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".remedy-tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _snapshot(path: Path) -> dict:
    if not path.exists():
        return {"exists": False}
    return {"exists": True, "mode": path.stat().st_mode & 0o7777,
            "data": base64.b64encode(path.read_bytes()).decode("ascii")}


def _restore(path: Path, snap: dict) -> None:
    if snap["exists"]:
        _atomic_write(path, base64.b64decode(snap["data"]), snap["mode"])
    else:
        path.unlink(missing_ok=True)


def apply_to_root(root: Path, files: Mapping[str, bytes]) -> AppliedPatch:
    """Write `files` (relative path -> new bytes) into `root`; all of them or, on error, none."""
    root = Path(root)
    targets = {rel: _target(root, rel) for rel in files}
    originals = {rel: _snapshot(path) for rel, path in targets.items()}
    undo_id = f"{time.strftime('%Y%m%dT%H%M%S')}-{time.time_ns() % 10**9:09d}-{uuid.uuid4().hex[:6]}"
    record = {"id": undo_id, "created": time.time(), "files": originals}
    _atomic_write(root / UNDO_DIR / f"{undo_id}.json", json.dumps(record).encode(), None)
    done: list[str] = []
    try:
        for rel, data in files.items():
            snap = originals[rel]
            _atomic_write(targets[rel], data, snap.get("mode"))
            done.append(rel)
    except BaseException:
        for rel in reversed(done):
            _restore(targets[rel], originals[rel])
        (root / UNDO_DIR / f"{undo_id}.json").unlink(missing_ok=True)
        raise
    return AppliedPatch(undo_id, tuple(files))


def undo_last(root: Path) -> AppliedPatch | None:
    """Restore the files of the most recent applied patch; None when there is nothing to undo."""
    root = Path(root)
    records = sorted((root / UNDO_DIR).glob("*.json")) if (root / UNDO_DIR).is_dir() else []
    if not records:
        return None
    latest = records[-1]
    record = json.loads(latest.read_text())
    for rel, snap in record["files"].items():
        _restore(_target(root, rel), snap)
    latest.unlink()
    return AppliedPatch(record["id"], tuple(record["files"]))
