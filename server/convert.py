"""The one place where lsprotocol and agent types meet: URIs <-> workspace-relative paths, str
indices -> UTF-16 columns, hunks -> ranges and text edits, events and proposals -> the JSON payloads
of `remedy/event` and `remedy/proposal`. No other server module converts positions or paths."""
from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from lsprotocol import types

from agent import BadInput, Event, Hunk, Proposal, event_type

__all__ = ["utf16_column", "uri_to_path", "path_to_uri", "relative_path",
           "line_range", "name_range", "hunk_range", "hunk_payload", "proposal_payload",
           "event_payload", "position_from_json"]


def utf16_column(line: str, index: int) -> int:
    """UTF-16 code units before str index `index` of `line` (LSP's default position encoding)."""
    prefix = line[:index]
    return len(prefix) + sum(1 for ch in prefix if ord(ch) > 0xFFFF)


def uri_to_path(uri: Any) -> Path:
    """The local file a `file:` URI names; BadInput for anything else."""
    if not isinstance(uri, str) or not uri:
        raise BadInput("uri must be a non-empty string")
    parsed = urlparse(uri)
    if parsed.scheme != "file":
        raise BadInput(f"not a file uri: {uri}")
    if parsed.netloc not in ("", "localhost"):
        raise BadInput(f"remote file uris are not supported: {uri}")
    return Path(unquote(parsed.path))


def path_to_uri(path: Path) -> str:
    return path.absolute().as_uri()


def relative_path(root: Path, uri: Any) -> str:
    """The posix path of `uri` relative to `root`; BadInput when it lies outside."""
    path = uri_to_path(uri)
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        raise BadInput(f"{uri} is outside the workspace {root}") from None


def line_range(lines: list[str], line: int) -> types.Range:
    """The text of one 0-based line, without its line break."""
    text = lines[line].rstrip("\r\n") if 0 <= line < len(lines) else ""
    return types.Range(start=types.Position(line=line, character=0),
                       end=types.Position(line=line, character=utf16_column(text, len(text))))


def name_range(lines: list[str], line: int, start_col: int, end_col: int) -> types.Range:
    """A range on one line given as `agent` speaks: a 1-based line, str-index columns."""
    row = line - 1
    text = lines[row] if 0 <= row < len(lines) else ""
    return types.Range(start=types.Position(line=row, character=utf16_column(text, start_col)),
                       end=types.Position(line=row, character=utf16_column(text, end_col)))


def hunk_range(start_line: int, end_line: int) -> types.Range:
    """Hunks replace whole lines, so their ranges start at column 0 and need no UTF-16 care."""
    return types.Range(start=types.Position(line=start_line, character=0),
                       end=types.Position(line=end_line, character=0))


def position_from_json(value: Any) -> types.Position:
    """A `{"line": n, "character": m}` object from command arguments; BadInput otherwise."""
    if not isinstance(value, dict):
        raise BadInput("position must be an object {line, character}")
    line, character = value.get("line"), value.get("character", 0)
    if not (isinstance(line, int) and isinstance(character, int)) or isinstance(line, bool) \
            or line < 0 or character < 0:
        raise BadInput("position needs non-negative integer line and character")
    return types.Position(line=line, character=character)


def range_json(rng: types.Range) -> dict[str, Any]:
    return {"start": {"line": rng.start.line, "character": rng.start.character},
            "end": {"line": rng.end.line, "character": rng.end.character}}


def hunk_payload(root: Path, hunk: Hunk, start_line: int | None = None) -> dict[str, Any]:
    start = hunk.start_line if start_line is None else start_line
    end = start + (hunk.end_line - hunk.start_line)
    return {"id": hunk.id, "uri": path_to_uri(root / hunk.path), "range": range_json(hunk_range(start, end)),
            "oldText": hunk.old_text, "newText": hunk.new_text}


def proposal_payload(root: Path, proposal: Proposal, job_id: str) -> dict[str, Any]:
    main = proposal.files[0] if proposal.files else (proposal.hunks[0].path if proposal.hunks else "")
    return {"proposalId": proposal.id, "jobId": job_id, "uri": path_to_uri(root / main),
            "hunks": [hunk_payload(root, h) for h in proposal.hunks], "summary": proposal.summary,
            "energy": proposal.energy, "confidence": proposal.confidence, "tests": proposal.tests}


def event_payload(job_id: str, event: Event) -> dict[str, Any]:
    return {"jobId": job_id, "type": event_type(event), "data": event.to_data()}
