"""The generate stage's one interface: every source of candidates is a `Generator` that reads the
same `Work` and adds to one `Generated`; `generate` runs them in turn (builtin/: templates and
angelic conditions; agent.agent_loop.samples: the LLM's samples, a `Sampler`)."""
from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from ..events import Event
from ..project import Project
from ..reproduce import Reproduction
from ..types import Candidate, SuspiciousLine, TestResult

__all__ = ["Work", "Generated", "Generator", "Sampler", "generate"]


@dataclass
class Work:
    """What every generator reads: the failure and where it points."""
    project: Project
    files: dict[str, bytes]         # the suspicious files' contents; LLM samples add the files they edit
    lines: list[SuspiciousLine]     # most suspicious first
    failing: list[TestResult]       # the targets' failures
    passing: list[str]              # the tests that passed in the reproduction
    coverage: Mapping               # the reproduction's per-test coverage (the plugin's data)
    seed: int | None = None         # a bench rollout's: the order of near-ties (agent.rank)
    patterns: tuple = ()            # the project's learned fix patterns (agent.generate.learned)

    @classmethod
    def at(cls, project: Project, lines: list[SuspiciousLine], found: Reproduction,
           seed: int | None = None, patterns: tuple = ()) -> Work:
        """The work at the localized `lines` of the failure `found` reproduced."""
        files = {p: project.read(p) for p in dict.fromkeys(s.path for s in lines)}
        return cls(project, files, lines, found.failing, [r.test_id for r in found.report.passing],
                   found.coverage, seed, patterns)


@dataclass
class Generated:
    """The candidates so far, in the order the ranker receives them."""
    candidates: list[Candidate] = field(default_factory=list)
    first: list[str] = field(default_factory=list)  # ids validated before the rest (angelic evidence)
    tests_run: int = 0


class Generator(Protocol):
    def run(self, work: Work, out: Generated) -> AsyncIterator[Event]:
        """Add candidates to `out`, yielding what the user sees meanwhile."""
        ...


class Sampler(Generator, Protocol):
    """A generator that makes more on demand (agent.agent_loop.samples: the LLM's)."""

    def schedule(self) -> Sequence[int]:
        """The sizes of the rounds still to come."""
        ...

    def run(self, work: Work, out: Generated, k: int = 1) -> AsyncIterator[Event]:
        """Add one round of `k` candidates to `out` (the first round: k=1)."""
        ...


async def generate(work: Work, generators: Sequence[Generator], out: Generated) -> AsyncIterator[Event]:
    for generator in generators:
        async for event in generator.run(work, out):
            yield event
