"""Missing-return repairs: a function whose body falls off its end gets `return <name>` for the
names it assigns last (the forgotten `return result`), then for its parameters."""
from __future__ import annotations

from collections.abc import Iterable

from ...ast.nodes import field_node, text
from ..site import Fix, Site, prior_of
from ._names import SELF_NAMES

KIND = "return.insert"
PRIOR = prior_of(KIND)

_TERMINAL = frozenset({"return_statement", "raise_statement"})
_MAX_NAMES = 3


def generate(site: Site) -> Iterable[Fix]:
    func = site.scope.function
    body = func.child_by_field_name("body") if func is not None else None
    statements = [c for c in body.named_children if c.type != "comment"] if body is not None else []
    if func is None or not statements or statements[-1].type in _TERMINAL:
        return
    last = statements[-1]
    if last.end_point.row == func.start_point.row:
        return
    end = site.line_region(last)[1]
    if site.src[end - 1:end] != b"\n":
        return
    indent = site.offsets.indent_of(last.start_point.row + 1)
    locals_ = [n for n in site.scope.variables if n.kind == "local"]
    everything = [n for n in site.index.bindings.get(func.start_byte, []) if n.kind == "local"]
    names = sorted({n.text: n for n in locals_ + everything}.values(), key=lambda n: -n.line)
    # Then the parameters (the `return root` after updating a recursive structure in place).
    names += [n for n in site.index.bindings.get(func.start_byte, [])
              if n.kind == "param" and n.text not in SELF_NAMES and n.text not in {m.text for m in names}]
    for name in names[:_MAX_NAMES]:
        yield Fix(((end, end, f"{indent}return {name.text}{site.newline}"),),
                  f"add `return {name.text}` at the end of `{text(field_node(func, 'name'))}`")
