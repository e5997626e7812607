"""Domain records shared by every stage of a repair: test results, suspicious lines, candidates,
hunks and proposals.

Positions, the one convention of `agent`: line numbers are 1-based (as Python, pytest and
tracebacks write them: `Frame`, `SuspiciousLine`, `Candidate`, `TestFunction`, spectra), columns
are str indices, and an `Edit` addresses the UTF-8 bytes of a file (what tree-sitter speaks). The
one exception is `Hunk`: a 0-based half-open range of whole lines, the slice of the file's line
list it replaces. Conversions live in `agent.ast.offsets` (bytes, tree-sitter rows <-> str and
1-based lines) and `server.convert` (LSP's 0-based lines and UTF-16 columns).
"""
from __future__ import annotations

import enum
import math
from dataclasses import dataclass, field

from .secrets import redact

__all__ = [
    "Outcome", "Frame", "TestResult", "RunReport", "SuspiciousLine", "Edit", "Candidate",
    "Hunk", "Proposal", "FixStatus", "FixResult",
]


class Outcome(str, enum.Enum):
    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"        # error in setup/teardown or collection of that test
    SKIPPED = "skipped"
    XFAILED = "xfailed"
    XPASSED = "xpassed"
    TIMEOUT = "timeout"

    @property
    def ok(self) -> bool:
        return self in (Outcome.PASSED, Outcome.SKIPPED, Outcome.XFAILED)


@dataclass(frozen=True)
class Frame:
    """One traceback frame; `path` is relative to the project root (posix) when inside it."""
    path: str
    line: int
    function: str = ""


@dataclass(frozen=True)
class TestResult:
    test_id: str
    outcome: Outcome
    message: str = ""
    frames: tuple[Frame, ...] = ()
    duration: float = 0.0
    compared: tuple[str, ...] = ()   # reprs (left, right) of the failed `==`, when plain values


@dataclass
class RunReport:
    """What one pytest run (subprocess or warm worker) found."""
    results: list[TestResult] = field(default_factory=list)
    collection_errors: list[str] = field(default_factory=list)
    no_tests: bool = False
    timed_out: bool = False
    duration: float = 0.0
    exit_code: int = 0

    @property
    def failing(self) -> list[TestResult]:
        return [r for r in self.results if not r.outcome.ok]

    @property
    def passing(self) -> list[TestResult]:
        return [r for r in self.results if r.outcome.ok]

    @property
    def all_ok(self) -> bool:
        return (not self.timed_out and not self.collection_errors and not self.no_tests
                and all(r.outcome.ok for r in self.results))

    def outcome_of(self, test_id: str) -> Outcome | None:
        for r in self.results:
            if r.test_id == test_id:
                return r.outcome
        return None


@dataclass(frozen=True)
class SuspiciousLine:
    path: str     # relative posix path
    line: int     # 1-based
    score: float


@dataclass(frozen=True)
class Edit:
    """Replace bytes [start, end) of `path` (relative posix) with `text`."""
    path: str
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Candidate:
    """A patch proposal from a template or a model, not yet validated."""
    edits: tuple[Edit, ...]
    template: str               # e.g. "operator.comparison", "llm"
    path: str                   # main file edited
    line: int                   # 1-based line of the main edit
    description: str = ""
    suspiciousness: float = 0.0
    source: str = "builtin"     # "builtin" | "llm"
    logprob: float | None = None
    id: str = ""


@dataclass(frozen=True)
class Hunk:
    """A whole-line replacement: lines [start_line, end_line) (0-based) of `path` become new_text."""
    id: str
    path: str
    start_line: int
    end_line: int
    old_text: str
    new_text: str


@dataclass
class Proposal:
    id: str
    patch: str                  # unified diff, paths relative to root
    files: list[str]
    hunks: list[Hunk]
    summary: str
    energy: float | None = None
    probability: float | None = None
    tests: dict[str, list[str]] = field(default_factory=dict)   # {"passed": [...], "failed": [...]}
    candidate: Candidate | None = None
    base_texts: dict[str, str] = field(default_factory=dict)  # file contents the patch was computed on

    @property
    def confidence(self) -> float | None:
        """The ranker's calibrated probability that this patch is right (for a multi-edit patch,
        its parts' product), in [0, 1]; None when the ranker gave none (rankers "none", "prior")."""
        p = self.probability
        return round(min(max(float(p), 0.0), 1.0), 4) if p is not None and math.isfinite(p) else None


class FixStatus(str, enum.Enum):
    FIXED = "fixed"
    NO_FIX = "no_fix"
    ALREADY_PASSING = "already_passing"
    ERROR = "error"


@dataclass
class FixResult:
    """The CLI `--json` contract (DESIGN.md, "CLI contract")."""
    status: FixStatus
    patch: str = ""
    files: list[str] = field(default_factory=list)
    tests_run: int = 0
    candidates_generated: int = 0
    candidates_tried: int = 0
    elapsed_s: float = 0.0
    engine: str = "builtin"
    failing_tests: list[str] = field(default_factory=list)
    message: str = ""
    proposal: Proposal | None = None

    def to_json(self) -> dict:
        """The contract's object; the message is redacted (it can quote a test's failure)."""
        return {
            "status": self.status.value, "patch": self.patch, "files": list(self.files),
            "tests_run": self.tests_run, "candidates_generated": self.candidates_generated,
            "candidates_tried": self.candidates_tried, "elapsed_s": round(self.elapsed_s, 3),
            "engine": self.engine, "failing_tests": list(self.failing_tests),
            "message": redact(self.message), "confidence": self.confidence,
        }

    @property
    def confidence(self) -> float | None:
        """The proposal's `confidence`; None without a proposal."""
        return self.proposal.confidence if self.proposal is not None else None
