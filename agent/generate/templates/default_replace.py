"""Wrong-default repairs: on a `def` line, change a parameter's default value (`n=1` → `n=0`,
`flag=False` → `flag=True`, `sep=","` → `sep=""`, `x=None` → ...)."""
from __future__ import annotations

from collections.abc import Iterable

from ...ast.nodes import field_node, text
from ..site import Fix, Site, prior_of, replace
from .literal_replace import alternatives

KIND = "default.replace"
PRIOR = prior_of(KIND)


def generate(site: Site) -> Iterable[Fix]:
    if site.stmt.type != "function_definition":
        return
    params = site.stmt.child_by_field_name("parameters")
    for param in params.named_children if params is not None else ():
        if param.type not in ("default_parameter", "typed_default_parameter"):
            continue
        value = param.child_by_field_name("value")
        if value is None:
            continue
        options = list(alternatives(value))
        if value.type == "integer" and text(value).isdigit():
            n = int(text(value))
            options = [str(n + 1), str(n - 1)] + options
        for new in dict.fromkeys(options):
            if new != text(value):
                yield replace(value, new, f"default `{text(param)}` → `{text(field_node(param, 'name'))}={new}`")
