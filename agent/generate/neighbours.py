"""A suspicious file's neighbours in the project: the project modules it imports and the other
modules of its package, each read and parsed with tree-sitter at most once per generation, so
that templates can copy a statement from a sibling module (donors) and read what a module defines
(its names, for `module.NAME` attributes). Bounded: a few modules, none too large, tests never."""
from __future__ import annotations

import posixpath
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from tree_sitter import Tree

from ..ast.nodes import field_node, text
from ..ast.parser import parse
from ..ast.scope import ModuleIndex, index_module

__all__ = ["ProjectSources", "Module", "Neighbours"]

MAX_MODULES = 4
MAX_BYTES = 400_000


class ProjectSources(Mapping[str, bytes]):
    """The project's source files by relative path, read on first use (a file that cannot be
    read is absent)."""

    def __init__(self, paths: Sequence[str], read: Callable[[str], bytes]) -> None:
        self._paths = tuple(paths)
        self._known = frozenset(self._paths)
        self._read = read
        self._cache: dict[str, bytes | None] = {}

    def __getitem__(self, path: str) -> bytes:
        if path not in self._known:
            raise KeyError(path)
        if path not in self._cache:
            try:
                self._cache[path] = self._read(path)
            except OSError:
                self._cache[path] = None
        found = self._cache[path]
        if found is None:
            raise KeyError(path)
        return found

    def __contains__(self, path: object) -> bool:
        return path in self._known

    def __iter__(self) -> Iterator[str]:
        return iter(self._paths)

    def __len__(self) -> int:
        return len(self._paths)


@dataclass
class Module:
    path: str
    src: bytes
    tree: Tree
    index: ModuleIndex
    shared: dict = field(default_factory=dict)    # memo the templates may fill, like Site.shared


class Neighbours:
    def __init__(self, sources: Mapping[str, bytes] | None) -> None:
        self.sources: Mapping[str, bytes] = sources or {}
        self._modules: dict[str, Module | None] = {}
        self._near: dict[str, list[str]] = {}
        self._bound: dict[str, dict[str, str]] = {}

    def module(self, path: str) -> Module | None:
        if path not in self._modules:
            self._modules[path] = None
            try:
                src = self.sources[path]
            except KeyError:
                return None
            if len(src) <= MAX_BYTES:
                tree = parse(src)
                if not tree.root_node.has_error:
                    self._modules[path] = Module(path, src, tree, index_module(tree))
        return self._modules[path]

    def siblings(self, path: str, tree: Tree) -> list[Module]:
        """The project modules `path` imports, then the other modules of its folder."""
        if path not in self._near:
            imported = [p for p in self.imported_modules(path, tree).values() if p != path]
            folder = posixpath.dirname(path)
            same = sorted(p for p in self.sources if posixpath.dirname(p) == folder and p != path
                          and p.endswith(".py") and not _is_test(p))
            self._near[path] = list(dict.fromkeys(imported + same))
        found = []
        for other in self._near[path]:
            module = self.module(other)
            if module is not None:
                found.append(module)
                if len(found) == MAX_MODULES:
                    break
        return found

    def imported_modules(self, path: str, tree: Tree) -> dict[str, str]:
        """Name bound in `path` -> the project module it names, for `import a.b as m`,
        `from a import b` (b a module) and, keyed by the module itself, `from a.b import x`."""
        if path in self._bound:
            return self._bound[path]
        bound: dict[str, str] = {}
        for stmt in tree.root_node.named_children:
            if stmt.type == "import_statement":
                for name in stmt.children_by_field_name("name"):
                    dotted = field_node(name, "name") if name.type == "aliased_import" else name
                    alias = name.child_by_field_name("alias") if name.type == "aliased_import" else None
                    target = self._resolve(path, text(dotted), 0)
                    if target is not None:
                        bound[text(alias) if alias is not None else text(dotted)] = target
            elif stmt.type == "import_from_statement":
                source = stmt.child_by_field_name("module_name")
                if source is None:
                    continue
                level = len(text(source)) - len(text(source).lstrip("."))
                module = text(source).lstrip(".")
                base = self._resolve(path, module, level)
                if base is not None:
                    bound.setdefault(f"<from {text(source)}>", base)
                for name in stmt.children_by_field_name("name"):
                    plain = field_node(name, "name") if name.type == "aliased_import" else name
                    alias = name.child_by_field_name("alias") if name.type == "aliased_import" else None
                    sub = self._resolve(path, f"{module}.{text(plain)}".strip("."), level)
                    if sub is not None:
                        bound[text(alias) if alias is not None else text(plain)] = sub
        self._bound[path] = bound
        return bound

    def _resolve(self, importer: str, dotted: str, level: int) -> str | None:
        parts = [p for p in dotted.split(".") if p]
        if level:
            folder = posixpath.dirname(importer)
            for _ in range(level - 1):
                folder = posixpath.dirname(folder)
            roots = [folder]
        else:
            roots = ["", "src"]
        for root in roots:
            stem = posixpath.join(root, *parts) if parts else root
            for candidate in (f"{stem}.py", posixpath.join(stem, "__init__.py")):
                candidate = candidate.lstrip("/")
                if candidate in self.sources:
                    return candidate
        return None


def _is_test(path: str) -> bool:
    name = path.rsplit("/", 1)[-1]
    return name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py" \
        or "/tests/" in f"/{path}" or "/test/" in f"/{path}"
