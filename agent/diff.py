"""Changes to a file, made and shown: applying edits (byte spans), and the unified diffs and
whole-line hunks between a file's original and patched text.

`apply_spans` is the one way an edit is applied, whoever made it (a template, the LLM, the agent's
edit tool); `apply_edits` applies a candidate's `Edit`s over several files with it.
Hunks are what the editor shows and the user accepts one by one, so they carry no context lines:
each is the smallest whole-line replacement, with a stable id per proposal ("h1", "h2", ...).
"""
from __future__ import annotations

import difflib
from typing import Iterable, Mapping, Sequence

from .types import Edit, Hunk

__all__ = ["Span", "apply_spans", "apply_edits", "unified_diff", "hunks_between", "changed_lines",
           "apply_hunks"]

Span = tuple[int, int, str]      # bytes [start, end) of a file become the text (UTF-8)


def apply_spans(src: bytes, spans: Sequence[Span]) -> bytes:
    """`src` with every span replaced, from the end backwards (spans do not overlap)."""
    out = src
    for start, end, new in sorted(spans, key=lambda s: (s[0], s[1]), reverse=True):
        out = out[:start] + new.encode("utf-8", errors="surrogateescape") + out[end:]
    return out


def apply_edits(files: Mapping[str, bytes], edits: Iterable[Edit]) -> dict[str, bytes]:
    """The new contents of the files that `edits` change (`files`: their current bytes)."""
    by_path: dict[str, list[Span]] = {}
    for edit in edits:
        by_path.setdefault(edit.path, []).append((edit.start, edit.end, edit.text))
    return {path: apply_spans(files[path], spans) for path, spans in by_path.items()}


def unified_diff(before: Mapping[str, str], after: Mapping[str, str], context: int = 3) -> str:
    """One unified diff (a/ b/ prefixes, as git writes it) over every file in `after`."""
    chunks: list[str] = []
    for path in sorted(after):
        old, new = before.get(path, ""), after[path]
        if old == new:
            continue
        lines = difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True),
                                     f"a/{path}", f"b/{path}", n=context)
        for line in lines:
            chunks.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(chunks)


def hunks_between(before: Mapping[str, str], after: Mapping[str, str], first_id: int = 1) -> list[Hunk]:
    hunks: list[Hunk] = []
    for path in sorted(after):
        old_lines = before.get(path, "").splitlines(keepends=True)
        new_lines = after[path].splitlines(keepends=True)
        for i1, i2, j1, j2 in _changes(old_lines, new_lines):
            hunks.append(Hunk(id=f"h{first_id + len(hunks)}", path=path, start_line=i1, end_line=i2,
                              old_text="".join(old_lines[i1:i2]), new_text="".join(new_lines[j1:j2])))
    return hunks


def common_ends(a: Sequence, b: Sequence) -> tuple[int, int]:
    """(head, tail): how many items `a` and `b` share at the start, and then at the end (the two
    never overlap)."""
    head = 0
    while head < min(len(a), len(b)) and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < min(len(a), len(b)) - head and a[-1 - tail] == b[-1 - tail]:
        tail += 1
    return head, tail


def changed_lines(before: str, after: str) -> int:
    """Lines touched, a replaced line counting once: the size of a patch as a reviewer feels it."""
    return sum(max(i2 - i1, j2 - j1) for i1, i2, j1, j2 in _changes(before.splitlines(), after.splitlines()))


def _changes(a: list[str], b: list[str]) -> list[tuple[int, int, int, int]]:
    """The (i1, i2, j1, j2) line ranges where `a` and `b` differ. The lines both share at the
    start and at the end are set aside first: a patch is local, and matching a whole 50,000-line
    module line by line (its many blank lines alike) took minutes."""
    start, tail = common_ends(a, b)
    end_a, end_b = len(a) - tail, len(b) - tail
    matcher = difflib.SequenceMatcher(a=a[start:end_a], b=b[start:end_b], autojunk=False)
    return [(start + i1, start + i2, start + j1, start + j2)
            for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"]


def apply_hunks(text: str, hunks: list[Hunk]) -> str:
    """Apply whole-line hunks (computed against `text`) bottom-up; raises ValueError on mismatch."""
    lines = text.splitlines(keepends=True)
    for h in sorted(hunks, key=lambda h: h.start_line, reverse=True):
        if "".join(lines[h.start_line:h.end_line]) != h.old_text:
            raise ValueError(f"{h.path}:{h.start_line + 1}: the text this hunk replaces has changed")
        lines[h.start_line:h.end_line] = h.new_text.splitlines(keepends=True)
    return "".join(lines)
