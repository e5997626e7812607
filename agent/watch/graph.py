"""The import graph: which test files import a module, directly or through other modules.

It is Remedy's fallback test impact before any coverage exists. Imports are read with tree-sitter
(the `imports` query of `agent.ast.queries`), so a file that does not parse still yields the imports it can. A module
name resolves to every project file it could mean (`pkg.mod` -> `pkg/mod.py`, `src/pkg/mod.py`,
`pkg/mod/__init__.py`, and a bare `mod` to any `mod.py`, as pytest's rootdir insertion allows):
the graph errs towards running a test too many, never one too few. Parsed imports are cached per
file by (mtime, size), so only files that changed are parsed again.
"""
from __future__ import annotations

from collections import defaultdict, deque
from pathlib import Path, PurePosixPath
from typing import Iterable

from tree_sitter import Node

from ..ast.parser import parse
from ..ast.query import captures
from ..project import is_conftest, is_test_file, read_regular

__all__ = ["ImportGraph", "module_names", "imported_names"]


def module_names(rel: str) -> list[str]:
    """Every dotted name under which the file `rel` may be imported (longest first)."""
    parts = list(PurePosixPath(rel).with_suffix("").parts)
    if parts and parts[-1] == "__init__":
        parts = parts[:-1]
    return [".".join(parts[i:]) for i in range(len(parts))]


def _package(rel: str) -> list[str]:
    parts = list(PurePosixPath(rel).parts[:-1])
    return parts


def imported_names(source: bytes, rel: str) -> set[str]:
    """Dotted module names `source` (the file `rel`) may import; `from a import b` gives a and a.b,
    and importing a.b also runs the package a (its __init__.py)."""
    names: set[str] = set()
    for nodes in captures("imports", parse(source).root_node).values():
        for node in nodes:
            names |= _names_of(node, rel)
    return {".".join(parts[:i]) for parts in (n.split(".") for n in names if n)
            for i in range(1, len(parts) + 1)}


def _text(node: Node | None) -> str:
    return node.text.decode("utf-8", "replace") if node is not None and node.text else ""


def _dotted(node: Node) -> str:
    return _text(node.child_by_field_name("name") if node.type == "aliased_import" else node)


def _names_of(node: Node, rel: str) -> set[str]:
    if node.type == "import_statement":
        return {_dotted(c) for c in node.children_by_field_name("name")}
    if node.type != "import_from_statement":
        return set()
    module = node.child_by_field_name("module_name")
    base = _text(module)
    if module is not None and module.type == "relative_import":
        prefix = next((c for c in module.named_children if c.type == "import_prefix"), None)
        dots = len(_text(prefix))
        rest = next((_text(c) for c in module.named_children if c.type == "dotted_name"), "")
        package = _package(rel)
        package = package[:len(package) - (dots - 1)] if dots > 1 else package
        base = ".".join([*package, *([rest] if rest else [])])
    names = {base} if base else set()
    for child in node.children_by_field_name("name"):
        names.add(f"{base}.{_dotted(child)}" if base else _dotted(child))
    return names


class ImportGraph:
    """Reverse import edges over a project's .py files, refreshed lazily from disk."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._imports: dict[str, tuple[tuple[int, int], set[str]]] = {}

    def tests_importing(self, changed: str, files: Iterable[str]) -> set[str]:
        """Test files (never conftest.py) that import `changed` directly or transitively; a
        conftest.py on the way stands for every test file in its folder and below."""
        files = [f for f in files if f.endswith(".py")]
        by_name: dict[str, set[str]] = defaultdict(set)
        for rel in files:
            for name in module_names(rel):
                by_name[name].add(rel)
        importers: dict[str, set[str]] = defaultdict(set)
        for rel in files:
            for name in self._imports_of(rel):
                for target in by_name.get(name, ()):
                    if target != rel:
                        importers[target].add(rel)
        seen, queue = {changed}, deque([changed])
        while queue:
            for importer in importers.get(queue.popleft(), ()):
                if importer not in seen:
                    seen.add(importer)
                    queue.append(importer)
        tests = {f for f in seen if is_test_file(f)}
        for conftest in (f for f in seen if is_conftest(f)):
            folder = str(PurePosixPath(conftest).parent)
            tests |= {f for f in files if is_test_file(f) and (folder == "." or f.startswith(folder + "/"))}
        return tests

    def _imports_of(self, rel: str) -> set[str]:
        path = self.root / rel
        try:
            st = path.stat()
            key = (st.st_mtime_ns, st.st_size)
            cached = self._imports.get(rel)
            if cached is not None and cached[0] == key:
                return cached[1]
            names = imported_names(read_regular(path, root=self.root), rel)
        except (OSError, ValueError):
            self._imports.pop(rel, None)
            return set()
        self._imports[rel] = (key, names)
        return names

    def forget(self, rel: str) -> None:
        self._imports.pop(rel, None)
