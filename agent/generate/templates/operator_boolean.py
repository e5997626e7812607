"""Boolean connective replacement (`and` ↔ `or`): the wrong connective in a compound condition."""
from __future__ import annotations

from collections.abc import Iterable

from ...ast.nodes import text
from ..site import Fix, Site, prior_of, replace

KIND = "operator.boolean"
PRIOR = prior_of(KIND)


def generate(site: Site) -> Iterable[Fix]:
    for node in site.nodes("boolean_operator"):
        op = node.child_by_field_name("operator")
        if op is not None:
            yield replace(op, "or" if text(op) == "and" else "and")
