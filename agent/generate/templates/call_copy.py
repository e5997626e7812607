"""Aliasing repairs: a parameter stored or bound to a local is copied first, so that changing the
result does not change the caller's object (`merged = base` → `merged = copy.deepcopy(base)`,
`self.items = items` → `self.items = list(items)`). `copy.copy`/`copy.deepcopy` only when the
module imports `copy` (or the function itself); otherwise import-free copies."""
from __future__ import annotations

from collections.abc import Iterable

from ...ast.nodes import text
from ..site import Fix, Site, prior_of, replace

KIND = "call.copy"
PRIOR = prior_of(KIND)


def generate(site: Site) -> Iterable[Fix]:
    params = {n.text for n in site.scope.variables if n.kind == "param"}
    for node in site.nodes("assignment"):
        right, left = node.child_by_field_name("right"), node.child_by_field_name("left")
        if right is None or left is None or right.type != "identifier" or text(right) not in params:
            continue
        if left.type not in ("identifier", "attribute", "subscript"):
            continue
        name = text(right)
        for wrapper in _copies(site):
            yield replace(right, wrapper.format(name))


def _copies(site: Site) -> list[str]:
    names = site.index.module_names
    out: list[str] = []
    if "copy" in names and names["copy"].kind == "import":
        # `import copy` binds the module; `from copy import copy` binds the function.
        if _imports_module(site):
            out += ["copy.deepcopy({})", "copy.copy({})"]
        else:
            out.append("copy({})")
    if "deepcopy" in names and names["deepcopy"].kind == "import":
        out.insert(0, "deepcopy({})")
    out += ["{}.copy()", "list({})", "dict({})"]
    return out


def _imports_module(site: Site) -> bool:
    key = "imports_copy_module"
    if key not in site.shared:
        root = site.tree.root_node
        site.shared[key] = any(c.type == "import_statement" and "copy" in text(c).split()[1:]
                               for c in root.named_children)
    return site.shared[key]
