"""The failing test's call chain, read statically: where localization looks when nothing of the
project was seen running in a failing test (its interpreter could not be traced, the tracer was
displaced, the code ran where no tracer reaches) and its traceback names no project frame.

From the test function's body (with its class's setUp, the helpers of its own test file it calls
and the module-level names it reads), the project functions and classes it calls, resolved through
the test file's imports; then, up to `depth` calls deep, the project functions those call. A class counts
with its `__init__` and the methods the caller invokes by name. The result is their statement
lines, nearest call first.
"""
from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..sandbox.workspace import read_regular
from .spectrum import Loc, is_project_path

__all__ = ["call_chain"]

_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
_Function = ast.FunctionDef | ast.AsyncFunctionDef
_MAX_LINES = 400


def call_chain(root: Path, test_id: str, *, is_test: Callable[[str], bool] | None = None,
               depth: int = 3) -> list[Loc]:
    """Statement lines of the project code the test `test_id` calls, nearest first; [] when its
    file or function cannot be read. `is_test(rel)` says which files are test code (default: not
    `is_project_path`); their functions are followed but never returned."""
    chain = _Chain(Path(root), is_test or (lambda rel: not is_project_path(rel)))
    rel, _, rest = test_id.partition("::")
    module = chain.module(rel)
    if module is None:
        return []
    found = _find_test(module.tree, [p.split("[")[0] for p in rest.split("::") if p])
    if found is None:
        return []
    test, owner = found
    bodies = [test] + [m for m in _methods(owner) if m.name in ("setUp", "setup_method")]
    for body in bodies:
        chain.follow(module, body, owner, depth)
    return chain.lines


@dataclass
class _Module:
    rel: str
    tree: ast.Module
    defs: dict[str, ast.AST] = field(default_factory=dict)
    assigns: dict[str, ast.expr] = field(default_factory=dict)
    imports: dict[str, tuple[str, str]] = field(default_factory=dict)   # name -> (module, attr|"")

    def __post_init__(self) -> None:
        package = self.rel.rsplit("/", 1)[0].replace("/", ".") if "/" in self.rel else ""
        for node in self.tree.body:
            if isinstance(node, (*_FUNCTIONS, ast.ClassDef)):
                self.defs[node.name] = node
            elif isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        self.assigns[target.id] = node.value
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        self.imports[alias.asname] = (alias.name, "")
                    else:
                        head = alias.name.split(".")[0]
                        self.imports[head] = (head, "")
            elif isinstance(node, ast.ImportFrom):
                base = _absolute(node.module or "", node.level, package)
                for alias in node.names:
                    if alias.name != "*":
                        self.imports[alias.asname or alias.name] = (base, alias.name)


class _Chain:
    def __init__(self, root: Path, is_test: Callable[[str], bool]) -> None:
        self.root, self.is_test = root, is_test
        self.lines: list[Loc] = []
        self._seen_lines: set[Loc] = set()
        self._modules: dict[str, _Module | None] = {}
        self._followed: set[int] = set()

    def module(self, rel: str) -> _Module | None:
        if rel not in self._modules:
            try:
                tree = ast.parse(read_regular(self.root / rel, root=self.root))
            except (OSError, SyntaxError, ValueError, RecursionError):
                tree = None
            self._modules[rel] = _Module(rel, tree) if tree is not None else None
        return self._modules[rel]

    def follow(self, module: _Module, body: ast.AST, owner: ast.ClassDef | None, depth: int) -> None:
        """Add what `body` (a function of `module`, a method of `owner` when not None) calls."""
        if id(body) in self._followed or depth <= 0 or len(self.lines) >= _MAX_LINES:
            return
        self._followed.add(id(body))
        called = {n.func.attr for n in ast.walk(body)
                  if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)}
        for name, attrs in _references(body):
            if name == "self" and owner is not None and attrs:
                for method in _methods(owner):
                    if method.name == attrs[0]:
                        self._reach(module, method, owner, called, depth)
                continue
            for target_module, node in self._resolve(module, name, attrs, 0):
                self._reach(target_module, node, None, called, depth)

    def _reach(self, module: _Module, node: ast.AST, owner: ast.ClassDef | None, called: set[str],
               depth: int) -> None:
        test_code = self.is_test(module.rel)
        if isinstance(node, ast.ClassDef):
            if id(node) in self._followed:
                return
            self._followed.add(id(node))
            wanted = called | {"__init__"}
            for method in _methods(node):
                if method.name in wanted:
                    self._reach(module, method, node, called, depth)
            defined = {m.name for m in _methods(node)}
            if wanted - defined:           # the rest may come from a base class of the project
                for base in node.bases:
                    ref = _references(base)
                    for base_module, base_node in self._resolve(module, *ref[0], 0) if ref else ():
                        self._reach(base_module, base_node, None, called - defined, depth)
            return
        if not isinstance(node, _FUNCTIONS):
            return
        if test_code:          # a helper of the test file: what it calls counts as the test's
            self.follow(module, node, owner, depth)
            return
        for loc in _statement_lines(module.rel, node):
            if loc not in self._seen_lines:
                self._seen_lines.add(loc)
                self.lines.append(loc)
        self.follow(module, node, owner, depth - 1)

    def _resolve(self, module: _Module, name: str, attrs: list[str], hops: int
                 ) -> Iterator[tuple[_Module, ast.AST]]:
        if hops > 4:
            return
        if name in module.defs:
            node = module.defs[name]
            if attrs and isinstance(node, ast.ClassDef):
                yield from ((module, m) for m in _methods(node) if m.name == attrs[0])
            yield module, node
        elif name in module.assigns and not attrs:
            for inner, inner_attrs in _references(module.assigns[name]):
                yield from self._resolve(module, inner, inner_attrs, hops + 1)
        elif name in module.imports:
            dotted, attr = module.imports[name]
            if attr:        # from pkg import attr: the package's own name first, else a submodule
                package = self._module_of(dotted, module.rel)
                if package is not None and _binds(package, attr):
                    yield from self._resolve(package, attr, attrs, hops + 1)
                    return
                dotted, attrs = f"{dotted}.{attr}", [*attrs]
            yield from self._resolve_in_module(dotted.split("."), attrs, module.rel, hops)

    def _resolve_in_module(self, path: list[str], attrs: list[str], importer: str, hops: int
                           ) -> Iterator[tuple[_Module, ast.AST]]:
        """`attrs` read from the module `path`: the longest prefix that is a module file, then the
        rest resolved inside it (import a.b; a.b.c.f())."""
        current = self._module_of(".".join(path), importer)
        for i, attr in enumerate(attrs):
            sub = self._module_of(".".join([*path, *attrs[:i + 1]]), importer)
            if sub is None:
                if current is not None:
                    yield from self._resolve(current, attr, attrs[i + 1:], hops + 1)
                return
            current = sub

    def _module_of(self, dotted: str, importer: str) -> _Module | None:
        """The project file a dotted module name imports, looked up from the root, `src/` and the
        importing file's folders (pytest puts a test's folder on sys.path)."""
        if not dotted:
            return None
        tail = dotted.replace(".", "/")
        folders = [""]
        if "/" in importer:
            parts = importer.split("/")[:-1]
            folders += ["/".join(parts[:i]) for i in range(len(parts), 0, -1)]
        folders.append("src")
        for folder in dict.fromkeys(folders):
            for rel in (f"{tail}.py", f"{tail}/__init__.py"):
                rel = f"{folder}/{rel}" if folder else rel
                if (self.root / rel).is_file():
                    return self.module(rel)
        return None


def _absolute(module: str, level: int, package: str) -> str:
    if not level:
        return module
    parts = package.split(".") if package else []
    base = parts[:len(parts) - (level - 1)] if level > 1 else parts
    return ".".join([*base, module] if module else base)


def _binds(module: _Module, name: str) -> bool:
    return name in module.defs or name in module.assigns or name in module.imports


def _find_test(tree: ast.Module, parts: list[str]) -> tuple[_Function, ast.ClassDef | None] | None:
    scope: list[ast.stmt] = tree.body
    owner: ast.ClassDef | None = None
    for i, name in enumerate(parts):
        node = next((n for n in scope if isinstance(n, (*_FUNCTIONS, ast.ClassDef)) and n.name == name),
                    None)
        if node is None:
            return None
        if i == len(parts) - 1:
            return (node, owner) if isinstance(node, _FUNCTIONS) else None
        if not isinstance(node, ast.ClassDef):
            return None
        owner, scope = node, node.body
    return None


def _methods(cls: ast.ClassDef | None) -> list[_Function]:
    return [n for n in cls.body if isinstance(n, _FUNCTIONS)] if cls is not None else []


def _references(node: ast.AST) -> list[tuple[str, list[str]]]:
    """(name, attribute chain) of every name read under `node`, each once, in source order:
    `a.b.c` gives ("a", ["b", "c"]), a plain `f` gives ("f", [])."""
    out: list[tuple[str, list[str], int, int]] = []
    inner: set[int] = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Attribute) and id(sub) not in inner:
            attrs: list[str] = []
            base: ast.expr = sub
            while isinstance(base, ast.Attribute):
                attrs.append(base.attr)
                inner.add(id(base))
                base = base.value
            if isinstance(base, ast.Name):
                inner.add(id(base))
                out.append((base.id, attrs[::-1], base.lineno, base.col_offset))
        elif isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Load) and id(sub) not in inner:
            out.append((sub.id, [], sub.lineno, sub.col_offset))
    out.sort(key=lambda r: (r[2], r[3]))
    return [(name, list(attrs)) for name, attrs in dict.fromkeys((n, tuple(a)) for n, a, _, _ in out)]


def _statement_lines(rel: str, function: _Function) -> list[Loc]:
    lines = sorted({n.lineno for stmt in function.body for n in ast.walk(stmt)
                    if isinstance(n, ast.stmt)})
    return [(rel, line) for line in lines]
