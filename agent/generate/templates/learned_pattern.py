"""Learned patterns: the fix shapes this project's history repeats (agent.generate.learned), applied
at the statement's expressions. The patterns come with the site (`Site.patterns`, which the
session reads from the learning store); without `remedy learn` there are none."""
from __future__ import annotations

from collections.abc import Iterable

from ...ast.nodes import text
from ..site import Fix, Site, prior_of, shorten

KIND = "learned.pattern"
PRIOR = prior_of(KIND)


def generate(site: Site) -> Iterable[Fix]:
    if not site.patterns:
        return
    seen: set[tuple[int, int, str]] = set()
    for pattern in site.patterns:
        for root in site.focus:
            source = text(root)
            for start, end, new in pattern.rewrites(source):
                lo = root.start_byte + len(source[:start].encode())
                hi = root.start_byte + len(source[:end].encode())
                span = (lo, hi, new)
                if span in seen:
                    continue
                seen.add(span)
                old = source[start:end]
                yield Fix((span,), f"`{shorten(old)}` → `{shorten(new)}` (a fix this project made {pattern.count}x)")
