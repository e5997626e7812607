"""Candidate generation: run every template at the statements of the suspicious lines, turn the fixes
into `Candidate`s (byte edits on the original file), drop duplicates and anything that does not
parse and compile, and share the candidate budget between lines, the most suspicious first.
Speculative kinds (agent.generate.templates.SPECULATIVE: ingredients, donors) share a budget of
their own, a quarter of the others', taken after them: they never displace what the other kinds
would offer. Evidence kinds (EVIDENCE: literals and patterns the failed comparison points at) have
a quarter of their own too, taken first: they are few, and where they apply they are the likeliest."""
from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from tree_sitter import Node, Tree

from ..ast.nodes import statements_on_line
from ..ast.offsets import Offsets
from ..ast.parser import is_valid_python, parse
from ..ast.scope import ModuleIndex, index_module, scope_at
from ..types import Candidate, Edit, SuspiciousLine
from .mentions import mentioned_strings
from .mismatch import Mismatch, mismatches
from .neighbours import Neighbours
from .site import Fix, Site, prior_of
from .templates import EVIDENCE, SPECULATIVE, TEMPLATES
from ..diff import apply_spans
from .validity import patch_is_valid

__all__ = ["generate_candidates", "prior_order"]

_DECAY = 0.85   # within one template, later fixes of the same line count for a bit less
_SPECULATIVE_SHARE = 4   # speculative kinds get max_candidates / 4 of their own
_EVIDENCE_SHARE = 4      # and so do the kinds the failed comparison points at


@dataclass
class _Document:
    path: str
    src: bytes
    offsets: Offsets
    index: ModuleIndex
    tree: Tree
    valid: bool
    shared: dict = field(default_factory=dict)   # per-file memo the templates may fill
    neighbours: Neighbours | None = None          # the project around it, for donors

    @classmethod
    def load(cls, path: str, src: bytes) -> _Document:
        tree = parse(src)
        return cls(path, src, Offsets(src), index_module(tree), tree,
                   valid=not tree.root_node.has_error and is_valid_python(src, path))

    def sites(self, line: int, message: str, found: tuple[Mismatch, ...] = (),
              mentioned: tuple[str, ...] = (), patterns: tuple = ()) -> list[Site]:
        return [Site(path=self.path, src=self.src, tree=self.tree, offsets=self.offsets,
                     line=line, stmt=stmt, scope=scope_at(self.index, stmt), index=self.index,
                     message=message, mismatches=found, mentioned=mentioned, shared=self.shared,
                     neighbours=self.neighbours, patterns=patterns)
                for stmt in statements_on_line(self.tree, self.offsets, line)]


_Queued = tuple[str, Fix, Node]


def _ranked_fixes(sites: list[Site]) -> list[_Queued]:
    """All fixes at one line, interleaved so a truncated list keeps every likely kind."""
    scored: list[tuple[float, int, _Queued]] = []
    for site in sites:
        for template in TEMPLATES:
            for rank, fix in enumerate(template.generate(site)):
                scored.append((-template.PRIOR * _DECAY ** rank, len(scored),
                               (template.KIND, fix, site.stmt)))
    scored.sort(key=lambda s: (s[0], s[1]))
    return [queued for _, _, queued in scored]


def _budgets(n: int, total: int) -> list[int]:
    """First-pass share of each line (harmonic: the top line gets the most); what a line does not
    use passes to the next, and a second pass fills any budget left in line order."""
    weights = [1.0 / (i + 1) for i in range(n)]
    scale = total / sum(weights) if weights else 0
    return [max(1, int(w * scale)) for w in weights]


def generate_candidates(files: Mapping[str, bytes], lines: Sequence[SuspiciousLine], *,
                        max_candidates: int = 400, message: str = "",
                        compared: Sequence[Sequence[str]] = (), test_strings: Sequence[str] = (),
                        sources: Mapping[str, bytes] | None = None,
                        max_lines: int = 20, patterns: tuple = ()) -> list[Candidate]:
    """`compared`: the reprs (left, right) of the failing tests' failed comparisons, when the
    report captured them (TestResult.compared); else the values are read from `message`.
    `test_strings`: the string literals of the failing tests (agent.generate.mentions).
    `sources`: the project's source files by path (read lazily), for the templates that copy
    code from sibling modules (agent.generate.neighbours). `patterns`: the project's learned fix
    patterns (agent.generate.learned), for the `learned.pattern` template."""
    ordered = sorted((sl for sl in lines if sl.path in files), key=lambda sl: -sl.score)[:max_lines]
    found = mismatches(message, compared)
    mentioned = mentioned_strings(message, [*test_strings, *(t for m in found if m.is_text for t in m.texts())])
    docs: dict[str, _Document] = {}
    neighbours = Neighbours(sources)
    queues: list[tuple[SuspiciousLine, list[_Queued]]] = []
    for sl in ordered:
        if sl.path not in docs:
            docs[sl.path] = _Document.load(sl.path, files[sl.path])
            docs[sl.path].neighbours = neighbours
        queues.append((sl, _ranked_fixes(docs[sl.path].sites(sl.line, message, found, mentioned, patterns))))
    seen = {_digest(d.path, d.src) for d in docs.values()}
    core = [(sl, [q for q in fixes if q[0] not in SPECULATIVE | EVIDENCE]) for sl, fixes in queues]
    extra = [(sl, [q for q in fixes if q[0] in SPECULATIVE]) for sl, fixes in queues]
    pointed = [(sl, [q for q in fixes if q[0] in EVIDENCE]) for sl, fixes in queues]
    out = _take(pointed, max_candidates // _EVIDENCE_SHARE, docs, seen)
    out += _take(core, max_candidates, docs, seen)
    return out + _take(extra, max_candidates // _SPECULATIVE_SHARE, docs, seen)


def _take(queues: list[tuple[SuspiciousLine, list[_Queued]]], total: int,
          docs: Mapping[str, _Document], seen: set[bytes]) -> list[Candidate]:
    """Up to `total` candidates from the lines' queues, each line's share first (`_budgets`)."""
    out: list[Candidate] = []
    cursors = [0] * len(queues)
    for budgets in (_budgets(len(queues), total), [total] * len(queues)):
        carry = 0
        for i, ((sl, fixes), budget) in enumerate(zip(queues, budgets)):
            quota, taken = budget + carry, 0
            while cursors[i] < len(fixes) and taken < quota and len(out) < total:
                kind, fix, stmt = fixes[cursors[i]]
                cursors[i] += 1
                cand = _candidate(docs[sl.path], sl, kind, fix, stmt, seen)
                if cand is not None:
                    out.append(cand)
                    taken += 1
            carry = quota - taken
    return out


def _digest(path: str, content: bytes) -> bytes:
    return hashlib.sha1(path.encode() + b"\0" + content).digest()


def _candidate(doc: _Document, sl: SuspiciousLine, kind: str, fix: Fix, stmt: Node,
               seen: set[bytes]) -> Candidate | None:
    new = apply_spans(doc.src, fix.spans)
    digest = _digest(doc.path, new)
    if digest in seen:
        return None
    seen.add(digest)
    if not patch_is_valid(doc.src, stmt, fix.spans, new, path=doc.path, file_valid=doc.valid):
        return None
    line = doc.offsets.line_of(min(start for start, _, _ in fix.spans))
    edits = tuple(Edit(doc.path, s, e, t) for s, e, t in sorted(fix.spans))
    return Candidate(edits=edits, template=kind, path=doc.path, line=line,
                     description=f"line {line}: {fix.description}", suspiciousness=sl.score,
                     source="builtin", id=digest.hex()[:12])


def prior_order(cands: Iterable[Candidate]) -> list[Candidate]:
    """Most promising first: suspiciousness × template prior, smaller edits first on ties."""
    def key(c: Candidate) -> tuple[float, int, str]:
        size = sum(e.end - e.start + len(e.text) for e in c.edits)
        return (-c.suspiciousness * prior_of(c.template), size, c.id)
    return sorted(cands, key=key)
