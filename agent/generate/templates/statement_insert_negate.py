"""Missing sign flip: a numeric local that the function returns is scaled (`det *= a`) or
starts as a number (`det = 1.0`) and a branch forgot to negate it; `x = -x` is inserted just after the
suspicious simple statement (so inside the branch that should flip it)."""
from __future__ import annotations

from collections.abc import Iterable


from ...ast.nodes import COMPOUND_TYPES, text, walk
from ..site import Fix, Site, prior_of

KIND = "statement.insert_negate"
PRIOR = prior_of(KIND)

_MAX_NAMES = 2
_NUMBERS = frozenset({"integer", "float"})


def generate(site: Site) -> Iterable[Fix]:
    stmt = site.stmt
    if site.scope.function is None or stmt.type in COMPOUND_TYPES or not site.owns_lines():
        return
    if stmt.type in ("return_statement", "raise_statement", "continue_statement", "break_statement"):
        return
    start, end = site.line_region()
    if site.src[end - 1:end] != b"\n":
        return
    for name in _numeric_returned(site)[:_MAX_NAMES]:
        if text(stmt).replace(" ", "") == f"{name}=-{name}":
            continue
        yield Fix(((end, end, f"{site.indent}{name} = -{name}{site.newline}"),),
                  f"insert `{name} = -{name}` after line {site.line}")


def _numeric_returned(site: Site) -> list[str]:
    func = site.function
    key = ("negatable", func.start_byte)
    if key not in site.shared:
        numeric: set[str] = set()
        returned: set[str] = set()
        for n in walk(func):
            if n.type == "augmented_assignment":
                left, op = n.child_by_field_name("left"), n.child_by_field_name("operator")
                if left is not None and left.type == "identifier" and op is not None \
                        and text(op) in ("*=", "/="):   # `+=` also grows strings and lists
                    numeric.add(text(left))
            elif n.type == "assignment":
                left, right = n.child_by_field_name("left"), n.child_by_field_name("right")
                if left is not None and left.type == "identifier" and right is not None \
                        and right.type in _NUMBERS:
                    numeric.add(text(left))
            elif n.type == "return_statement":
                returned |= {text(i) for i in walk(n) if i.type == "identifier"}
        site.shared[key] = sorted(numeric & returned)
    return site.shared[key]
