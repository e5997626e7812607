"""Hot-patching already imported project modules with a candidate's source (warm worker child).

Runs inside the user's interpreter (no imports from `agent`), in a forked child that dies after one
request, so nothing here has to be undone. The new source is executed into the module's existing
namespace; then identities are preserved so references taken earlier (`from pkg.mod import f` in a
test module, methods on a class, instances of it) see the new code:

- functions: the new __code__/__defaults__/__kwdefaults__ go onto the old function object (through
  decorator closures and __wrapped__), and the old object is put back;
- classes: the same for methods, static/class methods and property accessors; other class
  attributes are set on the old class, which is put back;
- plain values: rebound in the module and in every project module that imported them by name.

Whatever cannot be done faithfully raises `Unpatchable`, and the caller runs the candidate in a
fresh pytest process instead. Modules not imported yet are served from the patched source by a
meta-path finder.
"""
from __future__ import annotations

import abc
import ast
import importlib.machinery
import linecache
import os
import sys
import types

_MISSING = object()
_SIMPLE = (int, float, complex, str, bytes, bool, type(None), tuple, frozenset)
_CLASS_SKIP = {"__dict__", "__weakref__", "__module__", "__qualname__", "_abc_impl"}


class Unpatchable(Exception):
    """The change cannot be applied in place with the same effect as a fresh import."""


def _top_level_names(tree: ast.Module) -> set[str]:
    names: set[str] = set()

    def visit(stmts) -> None:
        for node in stmts:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
                continue
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names.update((a.asname or a.name).split(".")[0] for a in node.names)
                continue
            for child in ast.walk(node):
                if isinstance(child, ast.Name) and isinstance(child.ctx, ast.Store):
                    names.add(child.id)
            for field in ("body", "orelse", "finalbody", "handlers"):
                inner = getattr(node, field, None)
                if isinstance(inner, list):
                    visit([n for n in inner if isinstance(n, ast.stmt)])
                    for h in inner:
                        if isinstance(h, ast.ExceptHandler):
                            visit(h.body)
    visit(tree.body)
    return names


class Patcher:
    def __init__(self, rootdir: str) -> None:
        self.rootdir = os.path.realpath(rootdir)
        self.mapping: dict[int, object] = {}      # id(new class) -> old class
        self.done: set[int] = set()
        self._modules: list[types.ModuleType] | None = None

    def project_modules(self) -> list[types.ModuleType]:
        if self._modules is None:
            prefix = self.rootdir + os.sep
            self._modules = [m for m in list(sys.modules.values())
                             if isinstance(path := getattr(m, "__file__", None), str)
                             and os.path.abspath(path).startswith(prefix)]
        return self._modules

    def old_of(self, new: object) -> object:
        return self.mapping.get(id(new), new)

    def _adopt(self, fn: object, new_cls: type, old_cls: type) -> None:
        """Point a new method's `__class__` cell (zero-argument super()) at the class we keep."""
        fn = getattr(fn, "__func__", fn)
        if isinstance(fn, types.FunctionType) and fn.__closure__:
            for name, cell in zip(fn.__code__.co_freevars, fn.__closure__):
                if name == "__class__" and cell.cell_contents is new_cls:
                    cell.cell_contents = old_cls

    def patch_callable(self, old: object, new: object) -> None:
        if old is new or id(new) in self.done:
            return
        self.done.add(id(new))
        if isinstance(old, types.FunctionType) and isinstance(new, types.FunctionType):
            if old.__code__.co_freevars != new.__code__.co_freevars:
                raise Unpatchable(f"closure of {old.__qualname__} changed")
            # Unchanged code (a dataclass's generated __repr__, say) may keep its own state cells.
            same_code = old.__code__ == new.__code__
            for name, oc, nc in zip(old.__code__.co_freevars, old.__closure__ or (),
                                    new.__closure__ or ()):
                self._patch_cell(name, oc, nc, old.__qualname__, same_code)
            old.__code__ = new.__code__
            old.__defaults__ = new.__defaults__
            old.__kwdefaults__ = new.__kwdefaults__
            old.__annotations__ = new.__annotations__
            old.__doc__ = new.__doc__
            if hasattr(old, "__wrapped__") and hasattr(new, "__wrapped__"):
                self.patch_callable(old.__wrapped__, new.__wrapped__)
            return
        if type(old) is type(new) and hasattr(old, "__wrapped__") and hasattr(new, "__wrapped__"):
            self.patch_callable(old.__wrapped__, new.__wrapped__)
            if hasattr(old, "cache_clear"):
                old.cache_clear()
            return
        raise Unpatchable(f"cannot patch {type(old).__name__} in place")

    def _patch_cell(self, name: str, oc, nc, where: str, same_code: bool = False) -> None:
        try:
            ov, nv = oc.cell_contents, nc.cell_contents
        except ValueError:
            return
        if name == "__class__" or ov is nv or self.old_of(nv) is ov:
            return
        if callable(ov) and callable(nv) and (isinstance(nv, types.FunctionType)
                                              or hasattr(nv, "__wrapped__")):
            self.patch_callable(ov, nv)
        elif isinstance(nv, _SIMPLE) and isinstance(ov, _SIMPLE):
            if type(ov) is not type(nv) or ov != nv:
                oc.cell_contents = nv
        elif same_code and type(ov) is type(nv):
            return
        else:
            raise Unpatchable(f"closure variable {name} of {where} changed")

    def patch_class(self, old: type, new: type) -> None:
        if id(new) in self.done:
            return
        self.done.add(id(new))
        self.mapping[id(new)] = old
        if type(old) not in (type, abc.ABCMeta) or type(new) is not type(old):
            raise Unpatchable(f"class {old.__qualname__} has a custom metaclass")
        if tuple(self.old_of(b) for b in new.__bases__) != old.__bases__:
            raise Unpatchable(f"bases of {old.__qualname__} changed")
        if old.__dict__.get("__slots__") != new.__dict__.get("__slots__"):
            raise Unpatchable(f"__slots__ of {old.__qualname__} changed")
        for key, nv in new.__dict__.items():
            if key in _CLASS_SKIP:
                continue
            ov = old.__dict__.get(key, _MISSING)
            if ov is nv:
                continue
            if isinstance(ov, types.MemberDescriptorType) and isinstance(nv, types.MemberDescriptorType):
                continue   # a slot (same __slots__, checked above): the old descriptor fits old instances
            if isinstance(ov, type) and isinstance(nv, type):
                self.patch_class(ov, nv)
            elif isinstance(ov, types.FunctionType) and isinstance(nv, types.FunctionType):
                self.patch_callable(ov, nv)
            elif isinstance(ov, (staticmethod, classmethod)) and type(ov) is type(nv):
                self.patch_callable(ov.__func__, nv.__func__)
            elif isinstance(ov, property) and isinstance(nv, property) and all(
                    (getattr(ov, a) is None) == (getattr(nv, a) is None)
                    for a in ("fget", "fset", "fdel")):
                for a in ("fget", "fset", "fdel"):
                    if getattr(ov, a) is not None:
                        self.patch_callable(getattr(ov, a), getattr(nv, a))
            else:
                for fn in (nv, getattr(nv, "fget", None), getattr(nv, "fset", None)):
                    self._adopt(fn, new, old)
                setattr(old, key, nv)
        for key in [k for k in old.__dict__ if k not in new.__dict__ and k not in _CLASS_SKIP]:
            delattr(old, key)

    def patch_module(self, mod: types.ModuleType, code, old_src: str, new_src: str) -> None:
        removed = _top_level_names(ast.parse(old_src)) - _top_level_names(ast.parse(new_src))
        if removed:
            raise Unpatchable(f"{mod.__name__} no longer defines {', '.join(sorted(removed))}")
        ns = mod.__dict__
        before = dict(ns)
        try:
            exec(code, ns)
        except BaseException as exc:
            raise Unpatchable(f"re-executing {mod.__name__} raised {type(exc).__name__}") from None
        changed = [(k, before.get(k, _MISSING), v) for k, v in ns.items()
                   if before.get(k, _MISSING) is not v]
        for _name, old, new in changed:
            if isinstance(old, type) and isinstance(new, type):
                self.mapping[id(new)] = old
        rebinds = []
        for name, old, new in changed:
            if old is _MISSING or isinstance(old, types.ModuleType):
                continue
            old_kind = isinstance(old, type) or callable(old) and hasattr(old, "__code__")
            if isinstance(old, type) and isinstance(new, type):
                self.patch_class(old, new)
                ns[name] = old
            elif isinstance(old, types.FunctionType) or hasattr(old, "__wrapped__"):
                self.patch_callable(old, new)
                ns[name] = old
            elif old_kind or isinstance(new, type):
                raise Unpatchable(f"{mod.__name__}.{name} changed kind")
            else:
                rebinds.append((name, old, new))
        for name, old, new in rebinds:
            kept_class = self.mapping.get(id(type(new)))
            if kept_class is not None:
                try:
                    new.__class__ = kept_class
                except TypeError:
                    raise Unpatchable(f"instance {mod.__name__}.{name} of a patched class") from None
            for other in self.project_modules():
                if other is not mod and other.__dict__.get(name, _MISSING) is old:
                    other.__dict__[name] = new


class _PatchedLoader(importlib.machinery.SourceFileLoader):
    """Loads a not-yet-imported module from the candidate's source, never from (stale) bytecode."""

    def __init__(self, fullname: str, path: str, source: bytes) -> None:
        super().__init__(fullname, path)
        self._source = source

    def get_data(self, path: str) -> bytes:
        if os.path.abspath(path) == os.path.abspath(self.path):
            return self._source
        return super().get_data(path)

    def path_stats(self, path: str):
        raise OSError("patched source has no bytecode")


class _PatchedFinder:
    def __init__(self, sources: dict[str, bytes]) -> None:
        self.sources = sources

    def find_spec(self, fullname, path=None, target=None):
        spec = importlib.machinery.PathFinder.find_spec(fullname, path, target)
        origin = spec and spec.origin and os.path.abspath(spec.origin)
        if origin in self.sources:
            spec.loader = _PatchedLoader(fullname, spec.origin, self.sources[origin])
        return spec if origin in self.sources else None


def apply(rootdir: str, files: dict[str, str], protected: set[str]) -> None:
    """Apply `files` (relative path -> new source) to the running interpreter, or raise."""
    patcher = Patcher(rootdir)
    loaded = {os.path.abspath(str(m.__file__)): m for m in patcher.project_modules()}   # (a str there)
    pending: dict[str, bytes] = {}
    for rel, source in sorted(files.items()):
        path = os.path.abspath(os.path.join(rootdir, rel))
        if not path.endswith(".py") or not os.path.isfile(path):
            raise Unpatchable(f"{rel} is not an existing Python module")
        if os.path.basename(path) == "conftest.py" or path in protected:
            raise Unpatchable(f"{rel} is a test module or conftest")
        try:
            code = compile(source, path, "exec", dont_inherit=True)
        except (SyntaxError, ValueError):
            raise Unpatchable(f"{rel} does not compile") from None
        lines = source.splitlines(keepends=True)
        linecache.cache[path] = (len(source), None, lines, path)
        if path in loaded:
            with open(path, encoding="utf-8") as fh:
                old_src = fh.read()
            patcher.patch_module(loaded[path], code, old_src, source)
        else:
            pending[path] = source.encode("utf-8")
    if pending:
        sys.meta_path.insert(0, _PatchedFinder(pending))
