"""Missing statements from the project's own code (donor code), inserted just before or after the
suspicious statement:

- a statement that occurs elsewhere in the same function, class or file, or in a sibling module
  (a guard, an update, an assignment, a call on an object), its variables re-bound to what stands
  for them here (agent.generate.templates._donors) where they are not in scope;
- the statement a loop body already has, copied after the loop (the last, partial item a loop
  forgets to flush or count);
- a missing `x = y` between in-scope names of one kind (`prev = node`), or `x = x.attr` for an
  attribute the function reads on `x` (`node = node.next`), for a local the function rebinds.

`statement.insert` copies useful statements whose names are all in scope; this template does
what needs re-binding, the other shapes and the loop. Candidates the probe shows inert (an
inserted `x = e` where `x` already equals `e` in every failing run) are dropped before validation."""
from __future__ import annotations

from collections.abc import Iterable, Iterator

from tree_sitter import Node

from ...ast.nodes import COMPOUND_TYPES, SIMPLE_TYPES, enclosing, field_node, text, walk
from ...ast.query import captures
from ..neighbours import Module
from ..site import Fix, Site, prior_of, shorten
from ._attributes import attributes_of
from ._donors import (donor_text, free_variables, inside, rebind, roles_of, stored_names, useful,
                      words, words_in)
from ._kinds import compatible, name_kinds
from ._names import BUILTINS, SELF_NAMES, is_variable

KIND = "statement.insert_donor"
PRIOR = prior_of(KIND)
SPECULATIVE = True

_MAX_DONORS = 6
_MAX_LOOP = 3
_MAX_ASSIGN = 4
_MAX_TARGETS = 3
_PLACEHOLDERS = frozenset({"none", "integer", "string", "list", "dictionary", "true", "false"})
_PLACEHOLDER_TEXTS = frozenset({"None", "0", "-1", '""', "''", "[]", "{}", "True", "False"})
_MAX_LINES = 3
_MAX_CHARS = 80
_FILE_DONORS = 200       # the file's donors ordered by what their statements mention
_SIBLING_OVERLAP = 2     # names a related function (a sibling module's donor's) binds too, at least
_LOOPS = frozenset({"for_statement", "while_statement"})
_EXITS = frozenset({"return_statement", "raise_statement", "continue_statement", "break_statement"})
_DEFS = frozenset({"function_definition", "class_definition", "decorated_definition"})


def generate(site: Site) -> Iterable[Fix]:
    stmt = site.stmt
    if stmt.type not in SIMPLE_TYPES | COMPOUND_TYPES or stmt.type in _DEFS or not site.owns_lines():
        return
    if site.scope.function is None:
        return
    streams = [_around(site, _donors(site)), _after_loops(site), _around(site, _assignments(site))]
    live = list(streams)
    while live:
        for stream in list(live):
            fix = next(stream, None)
            if fix is None:
                live.remove(stream)
            else:
                yield fix


def _newline(site: Site) -> str:
    if "newline" not in site.shared:       # Site.newline scans the whole file
        site.shared["newline"] = site.newline
    return site.shared["newline"]


def _around(site: Site, snippets: Iterator[tuple[str, str]]) -> Iterator[Fix]:
    """Each snippet before the statement, then after it (not after an exit)."""
    start, end = site.line_region()
    after_ok = site.stmt.type not in _EXITS and site.src[end - 1:end] == b"\n"
    for snippet, label in snippets:
        yield Fix(((start, start, snippet),), f"insert `{label}` before line {site.line}")
        if after_ok:
            yield Fix(((end, end, snippet),), f"insert `{label}` after line {site.line}")


# -- statements from elsewhere --------------------------------------------------------------------
def _shape(node: Node) -> bool:
    """Statements worth copying: what `statement.insert` copies, a plain assignment, and a small
    `if` whose body is one simple statement."""
    if node.end_point.row - node.start_point.row >= _MAX_LINES or len(text(node)) > _MAX_CHARS * _MAX_LINES:
        return False
    if useful(node):
        return True
    if node.type == "expression_statement" and node.named_children:
        inner = node.named_children[0]
        if inner.type == "assignment":
            left, right = inner.child_by_field_name("left"), inner.child_by_field_name("right")
            return left is not None and right is not None \
                and left.type in ("identifier", "attribute", "subscript") \
                and inner.child_by_field_name("type") is None and len(text(node)) <= _MAX_CHARS
        return False
    if node.type == "if_statement" and not node.children_by_field_name("alternative"):
        body = node.child_by_field_name("consequence")
        return body is not None and len(body.named_children) == 1 \
            and body.named_children[0].type in SIMPLE_TYPES
    return False


def _statements(shared: dict, root: Node) -> list[Node]:
    """Every statement of a file worth copying, in source order (memoised in the file's memo)."""
    if "donor_shapes" not in shared:
        found = captures("statements", root).get("statement", [])
        shared["donor_shapes"] = [n for n in found if _shape(n)
                                  and enclosing(n, frozenset({"lambda"})) is None]
    return shared["donor_shapes"]


def _donor_pool(site: Site) -> Iterator[tuple[Node, Module | None]]:
    """The same function's statements (nearest first), then its class's other methods', then the
    file's other functions', then sibling modules' (agent.generate.neighbours); those that mention
    the most of what this function does first. A donor from another file comes with its module."""
    func, stmt = site.function, site.stmt
    own, others = _file_donors(site)
    yield from ((n, None) for n in sorted(own, key=lambda n: abs(n.start_byte - stmt.start_byte)))
    yield from ((n, None) for n in others)
    if site.neighbours is None:
        return
    here, bound = words(site, func), _bound_names(site.index, func)
    for module in site.neighbours.siblings(site.path, site.tree):
        scored = []
        for n in _statements(module.shared, module.tree.root_node):
            owner = enclosing(n, frozenset({"function_definition"}))
            if owner is None:
                continue
            shared = len(_bound_names(module.index, owner) & bound)
            if shared >= _SIBLING_OVERLAP:
                scored.append((-shared, -len(_memo_words(module.shared, n) & here), n.start_byte, n))
        yield from ((n, module) for *_, n in sorted(scored, key=lambda s: s[:3]))


def _file_donors(site: Site) -> tuple[list[Node], list[Node]]:
    """The function's own statements, and the rest of the file's: its class's first, then those
    whose function binds the most of the names this one binds, then whose statement mentions the
    most of what this one does (memoised per function)."""
    func, cls = site.function, site.scope.cls
    key = ("file_donors", func.start_byte, func.end_byte)
    if key not in site.shared:
        every = _statements(site.shared, site.tree.root_node)
        here = words(site, func)
        own = [n for n in every if inside(n, func)]
        rest = [n for n in every if not inside(n, func)]

        bound = _bound_names(site.index, func)

        def related(n: Node) -> tuple[bool, int]:
            owner = enclosing(n, frozenset({"function_definition"}))
            context = _bound_names(site.index, owner) if owner is not None else frozenset()
            return cls is None or not inside(n, cls), -len(context & bound)
        rest.sort(key=related)
        head = rest[:_FILE_DONORS]        # only so many are ever looked at: order those finer
        head.sort(key=lambda n: (*related(n), -len(words(site, n) & here)))
        rest = head + rest[_FILE_DONORS:]
        site.shared[key] = own, rest
    return site.shared[key]


def _bound_names(index, func: Node) -> frozenset[str]:
    """The parameters and locals a function binds (from the module index: no walk)."""
    return frozenset(n.text for n in index.bindings.get(func.start_byte, ()))


def _related(site: Site, donor_func: Node, module: Module | None) -> bool:
    """The donor's function binds enough of the names the site's function binds."""
    theirs = _bound_names(module.index if module else site.index, donor_func)
    return len(theirs & _bound_names(site.index, site.function)) >= _SIBLING_OVERLAP


def _memo_words(shared: dict, node: Node) -> frozenset[str]:
    key = ("words", node.start_byte, node.end_byte)
    if key not in shared:
        shared[key] = words_in(node)
    return shared[key]


def _donors(site: Site) -> Iterator[tuple[str, str]]:
    func, stmt = site.function, site.stmt
    visible = [n.text for n in site.scope.variables if n.text not in SELF_NAMES]
    known = set(visible) | {n.text for n in site.scope.callables} | BUILTINS
    fields = {f.text for f in site.scope.fields}
    here = roles_of(func, site.shared, site.path)
    used = _uses(site)
    seen = {" ".join(text(n).split()) for n in (stmt, stmt.prev_named_sibling, stmt.next_named_sibling)
            if n is not None}
    taken = 0
    for node, module in _donor_pool(site):
        if module is None and (inside(stmt, node) or inside(node, stmt)):
            continue
        if not _self_ok(site, node, fields) or _in_small_if(node):
            continue           # (in a small `if`: that `if` is the donor)
        free = free_variables(node, known)
        if module is None and not free and (useful(node) or inside(node, func) and _is_neighbour(node, stmt)):
            continue           # statement.insert's, or one the function runs right here anyway
        donor_func = enclosing(node, frozenset({"function_definition"}))
        if donor_func is None or _binds_global(site, node):
            continue           # module set-up code; or it would make a global local here
        donor = roles_of(donor_func, module.shared if module else site.shared,
                         module.path if module else site.path)
        stores, related = stored_names(node), _related(site, donor_func, module)
        for mapping in (rebind(free, donor, here, visible, used, stores, related) if free else iter([{}])):
            snippet = donor_text(node, mapping, site.indent, _newline(site))
            flat = " ".join(snippet.split())
            if flat in seen:
                continue
            seen.add(flat)
            origin = f" (from {module.path}:{node.start_point.row + 1})" if module else ""
            yield snippet, shorten(flat) + origin
            taken += 1
            if taken == _MAX_DONORS:
                return


def _binds_global(site: Site, node: Node) -> bool:
    globals_ = {n.text for n in site.scope.variables if n.kind == "global"}
    for n in walk(node):
        if n.type in ("assignment", "augmented_assignment"):
            left = n.child_by_field_name("left")
            if left is not None and left.type == "identifier" and text(left) in globals_:
                return True
    return False


def _in_small_if(node: Node) -> bool:
    block = node.parent
    owner = block.parent if block is not None and block.type == "block" else None
    return owner is not None and owner.type == "if_statement" and _shape(owner)


def _is_neighbour(node: Node, stmt: Node) -> bool:
    return node.prev_named_sibling == stmt or node.next_named_sibling == stmt


def _self_ok(site: Site, node: Node, fields: set[str]) -> bool:
    """A donor that uses `self` fits only a method, and only with fields this class has."""
    for n in walk(node):
        if n.type == "identifier" and text(n) in SELF_NAMES:
            if site.scope.cls is None:
                return False
            parent = n.parent
            if parent is not None and parent.type == "attribute" \
                    and parent.child_by_field_name("object") == n:
                attr = text(field_node(parent, "attribute"))
                called = parent.parent is not None and parent.parent.type == "call"
                if attr not in fields and not (called and attr in site.scope.methods):
                    return False
    return True


def _uses(site: Site) -> dict[str, int]:
    func = site.function
    key = ("name_uses", func.start_byte, func.end_byte)
    if key not in site.shared:
        counts: dict[str, int] = {}
        for n in walk(func):
            if n.type == "identifier" and is_variable(n):
                counts[text(n)] = counts.get(text(n), 0) + 1
        site.shared[key] = counts
    return site.shared[key]


# -- the loop's own statement, after it -----------------------------------------------------------
def _loops(site: Site) -> list[Node]:
    stmt, found = site.stmt, []
    prev = stmt.prev_named_sibling
    while prev is not None and prev.type == "comment":
        prev = prev.prev_named_sibling
    if prev is not None and prev.type in _LOOPS:
        found.append(prev)
    if stmt.type in _LOOPS and stmt not in found:
        found.append(stmt)
    loop = site.enclosing_loop()
    if loop is not None and loop not in found:
        found.append(loop)
    return found


def _after_loops(site: Site) -> Iterator[Fix]:
    for loop in _loops(site):
        _, end = site.line_region(loop)
        if site.src[end - 1:end] != b"\n":
            continue
        after = loop.next_named_sibling
        following = " ".join(text(after).split()) if after is not None else ""
        indent = site.offsets.indent_of(loop.start_point.row + 1)
        taken = 0
        for node in _body_statements(loop):
            snippet = donor_text(node, {}, indent, _newline(site))
            if " ".join(snippet.split()) == following:
                continue
            yield Fix(((end, end, snippet),),
                      f"insert `{shorten(text(node))}` after the loop at line {loop.start_point.row + 1}")
            taken += 1
            if taken == _MAX_LOOP:
                break


def _body_statements(loop: Node) -> list[Node]:
    """Simple statements of the loop body, its `if`/`else` branches included (not exits, not in a
    nested loop): accumulations (`xs.append(x)`, `n += 1`) first, then the rest, in source order."""
    body = loop.child_by_field_name("body")
    found = [n for n in walk(body, skip=_LOOPS | _DEFS | {"lambda"}) if n.type in SIMPLE_TYPES
             and n.type not in _EXITS and n.type != "pass_statement"
             and n.end_point.row - n.start_point.row < _MAX_LINES
             and enclosing(n, _LOOPS | _DEFS) == loop] if body is not None else []
    return sorted(found, key=lambda n: (not _accumulates(n), n.start_byte))


def _accumulates(node: Node) -> bool:
    inner = node.named_children[0] if node.type == "expression_statement" and node.named_children else None
    if inner is None:
        return False
    if inner.type == "augmented_assignment":
        return True
    fn = inner.child_by_field_name("function") if inner.type == "call" else None
    return fn is not None and fn.type == "attribute"


def _has_exit(node: Node) -> bool:
    return any(n.type in _EXITS for n in walk(node))


# -- a missing `x = y` ----------------------------------------------------------------------------
def _assignments(site: Site) -> Iterator[tuple[str, str]]:
    func = site.function
    kinds = name_kinds(site)
    state = _state(site, func)
    visible = [n.text for n in site.scope.variables if n.kind in ("local", "param")
               and n.text not in SELF_NAMES]
    used = _uses(site)
    targets = sorted((v for v in visible if v in state), key=lambda v: state[v])[:_MAX_TARGETS]
    values = sorted((v for v in visible if used.get(v, 0)), key=lambda v: -used.get(v, 0))
    stmt_text = " ".join(text(site.stmt).split())
    taken = 0
    for a in targets:
        kind = kinds.get(a, "")
        options = [f"{a}.{attr}" for attr in attributes_of(site, a, limit=2)]
        options += sorted((b for b in values if b != a and compatible(kind, kinds.get(b, ""))),
                          key=lambda b: kinds.get(b, "") != kind or not kind)
        for b in options[:2]:
            line = f"{a} = {b}"
            if line == stmt_text:
                continue
            yield f"{site.indent}{line}{_newline(site)}", line
            taken += 1
            if taken == _MAX_ASSIGN:
                return


def _state(site: Site, func: Node) -> dict[str, int]:
    """The function's state variables, most telling first (0): assigned inside a loop or more
    than once; (1) named in a `while` condition; (2) bound once to a placeholder (`None`, `0`,
    `""`, `[]`) and never rebound."""
    key = ("state", func.start_byte, func.end_byte)
    if key not in site.shared:
        counts: dict[str, int] = {}
        found: dict[str, int] = {}
        for n in walk(func, skip=frozenset({"function_definition", "lambda"})):
            if n.type in ("assignment", "augmented_assignment"):
                left, right = n.child_by_field_name("left"), n.child_by_field_name("right")
                if left is None or left.type != "identifier":
                    continue
                name = text(left)
                counts[name] = counts.get(name, 0) + 1
                loop = enclosing(n, _LOOPS | {"function_definition"})
                if counts[name] > 1 or (loop is not None and loop.type in _LOOPS):
                    found[name] = 0
                elif right is not None and right.type in _PLACEHOLDERS and text(right) in _PLACEHOLDER_TEXTS:
                    found.setdefault(name, 2)
            elif n.type == "while_statement":
                cond = n.child_by_field_name("condition")
                for i in walk(cond) if cond is not None else ():
                    if i.type == "identifier" and is_variable(i):
                        found[text(i)] = min(found.get(text(i), 1), 1)
        site.shared[key] = found
    return site.shared[key]
