"""Pending proposals and applying them: per-hunk accept/reject.

Edits reach the user's buffers only through `workspace/applyEdit`, against the text the editor has
*now* (its unsaved changes included) and with that document's version, so the editor refuses the
edit if the buffer moves on in between. A hunk is applied where it was computed when its old text is
still there; otherwise it is re-anchored to the one place its old text (and, to break ties, the
surrounding lines of the text it was computed on) still appears; otherwise it is refused.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from lsprotocol import types

from agent import BadInput, Hunk, Proposal

from . import convert

__all__ = ["StaleHunk", "PendingProposal", "ProposalStore", "locate", "text_edit"]

CONTEXT_LINES = 3


class StaleHunk(Exception):
    """The document changed under the hunk so that it can no longer be placed safely."""


@dataclass
class PendingProposal:
    proposal: Proposal
    job_id: str
    root: Path
    test_ids: list[str]
    decided: dict[str, bool] = field(default_factory=dict)          # hunk id -> accepted
    shifts: dict[str, list[tuple[int, int]]] = field(default_factory=dict)  # path -> (line, delta)

    @property
    def id(self) -> str:
        return self.proposal.id

    def hunk(self, hunk_id: object) -> Hunk:
        for h in self.proposal.hunks:
            if h.id == hunk_id:
                if h.id in self.decided:
                    verb = "accepted" if self.decided[h.id] else "rejected"
                    raise BadInput(f"hunk {hunk_id} of proposal {self.id} was already {verb}")
                return h
        raise BadInput(f"unknown hunk {hunk_id!r} in proposal {self.id}")

    def pending(self) -> list[Hunk]:
        return [h for h in self.proposal.hunks if h.id not in self.decided]

    def expected_start(self, hunk: Hunk) -> int:
        """Where the hunk should start now, given the hunks above it already accepted."""
        return hunk.start_line + sum(d for line, d in self.shifts.get(hunk.path, []) if line < hunk.start_line)

    def mark(self, hunk: Hunk, accepted: bool) -> None:
        self.decided[hunk.id] = accepted
        if accepted:
            delta = len(_lines(hunk.new_text)) - (hunk.end_line - hunk.start_line)
            self.shifts.setdefault(hunk.path, []).append((hunk.start_line, delta))


    def unmark(self, hunk: Hunk) -> None:
        """The accept of `hunk` was undone: it is pending again."""
        if self.decided.pop(hunk.id, False):
            delta = len(_lines(hunk.new_text)) - (hunk.end_line - hunk.start_line)
            shifts = self.shifts.get(hunk.path, [])
            if (hunk.start_line, delta) in shifts:
                shifts.remove((hunk.start_line, delta))


class ProposalStore:
    def __init__(self) -> None:
        self._items: dict[str, PendingProposal] = {}

    def add(self, pending: PendingProposal) -> None:
        self._items[pending.id] = pending

    def get(self, proposal_id: object) -> PendingProposal:
        if not isinstance(proposal_id, str) or proposal_id not in self._items:
            raise BadInput(f"unknown proposal {proposal_id!r}")
        return self._items[proposal_id]

    def drop_if_decided(self, pending: PendingProposal) -> None:
        if not pending.pending():
            self._items.pop(pending.id, None)

    def all(self) -> list[PendingProposal]:
        return list(self._items.values())

    def for_test(self, root: Path, test_id: str) -> PendingProposal | None:
        for p in reversed(self._items.values()):
            if p.root == root and test_id in p.test_ids:
                return p
        return None

    def for_file(self, root: Path, path: str) -> list[tuple[PendingProposal, Hunk]]:
        return [(p, h) for p in self._items.values() if p.root == root
                for h in p.pending() if h.path == path]


def locate(hunk: Hunk, base_text: str | None, current_text: str, expected_start: int) -> int:
    """The 0-based line where `hunk`'s old text starts in `current_text`; StaleHunk if nowhere
    or ambiguously.

    Every spot that holds the old text unchanged is scored by how many neighbouring lines still
    read as in the text the hunk was computed on. Where it was computed (shifted by hunks accepted
    above it) wins when it holds the old text and no other spot agrees better: a copy of the line
    that an edit moved there (a new function above, say) must not take the fix. Elsewhere, a spot
    must agree with at least one neighbour (two for a pure insertion); the spot agreeing with the
    most wins, and a tie is refused.
    """
    current = _lines(current_text)
    old = _lines(hunk.old_text)
    n = len(old)
    spots = [at for at in range(len(current) - n + 1) if _same(current[at:at + n], old)]
    scored = sorted(((_context_score(hunk, base_text, current, at), at) for at in spots), reverse=True)
    if n and expected_start in spots:
        mine = _context_score(hunk, base_text, current, expected_start)
        if all(score <= mine for score, at in scored if at != expected_start):
            return expected_start
        scored = [(score, at) for score, at in scored if at != expected_start]
    needed = 1 if n else 2
    if not scored or scored[0][0] < needed:
        raise StaleHunk(f"{hunk.path}: the code this fix changes (line {hunk.start_line + 1}) was "
                        "edited since the fix was computed; run the repair again")
    if len(scored) > 1 and scored[1][0] == scored[0][0]:
        raise StaleHunk(f"{hunk.path}: cannot tell where the fix for line {hunk.start_line + 1} belongs "
                        "any more; run the repair again")
    return scored[0][1]


def text_edit(hunk: Hunk, current_text: str, start: int) -> types.TextEdit:
    """Replace the hunk's lines at `start`. When they run to the end of a file without a final
    newline, the range ends on the last line rather than past it."""
    current = _lines(current_text)
    end = start + (hunk.end_line - hunk.start_line)
    if end > start and end == len(current) and not current[-1].endswith(("\n", "\r")):
        last = current[-1]
        rng = types.Range(start=types.Position(line=start, character=0),
                          end=types.Position(line=end - 1, character=convert.utf16_column(last, len(last))))
    else:
        rng = convert.hunk_range(start, end)
    return types.TextEdit(range=rng, new_text=hunk.new_text)


def _context_score(hunk: Hunk, base_text: str | None, current: list[str], at: int) -> int:
    """How many lines next to `at` (outwards, up to CONTEXT_LINES each side) still read as they
    did around the hunk in the text it was computed on."""
    if base_text is None:
        return 0
    base = _lines(base_text)
    n = hunk.end_line - hunk.start_line
    score = 0
    for k in range(1, CONTEXT_LINES + 1):
        b, c = hunk.start_line - k, at - k
        if b < 0 or c < 0 or not _same([current[c]], [base[b]]):
            break
        score += 1
    for k in range(CONTEXT_LINES):
        b, c = hunk.end_line + k, at + n + k
        if b >= len(base) or c >= len(current) or not _same([current[c]], [base[b]]):
            break
        score += 1
    return score


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def _same(a: list[str], b: list[str]) -> bool:
    """Line lists equal up to line endings (a file's last line may lack one)."""
    return len(a) == len(b) and all(x.rstrip("\r\n") == y.rstrip("\r\n") for x, y in zip(a, b))
