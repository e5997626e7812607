"""The layering rules of DESIGN.md, read from every import statement of `agent/` and `server/`:
absolute and relative ones (`from . import x`, `from ..x import y`), at module level and inside
functions alike.

- `agent` never imports the LSP side (`server`, `pygls`, `lsprotocol`).
- `server` imports only the names `agent/__init__.py` exports, as `from agent import X`.
- Inside `agent/` every top-level module or package has a layer (`LAYERS`), and imports only what
  its layer may:
  - base modules (`BASE`) import only base modules; everyone may import them;
  - leaves (`LEAF_LEVEL`) import base modules and lower leaves only, in the order
    {project, parallel} < {ast, llm, sandbox} < testing: `testing` sits on `sandbox` because it runs every pytest
    confined, and on `project`, whose facts (test files, roots) it reads;
  - stages (`STAGES`, in pipeline order) import base modules, leaves and earlier stages only, never a
    later stage nor anything beside or above them; `rank` never imports `llm` (nor `agent_loop`);
  - beside the stages, and on top of them (`BESIDE`: `session` sequences the stages, `watch` starts
    sessions, ...) a module may import anything but the outermost;
  - `cli` and `eval` are the outermost: nothing imports `cli` (but `agent/__main__`), only `cli`
    imports `eval`.
- The runtime ranker (`agent.rank` but `agent.rank.training`) imports neither torch nor
  `agent.rank.training`: sessions score with numpy.
- No cycles between packages: each package of `agent/` (subpackages included: `agent.rank` and
  `agent.rank.training` are two nodes) and each top-level module is a node of the graph.

Each rule has a test that it sees a violation, on sample trees; `NOT_YET_FIXED` lists the imports
still to be converted.
"""
from __future__ import annotations

import ast
import functools
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
AGENT_MUST_NOT = ("server", "pygls", "lsprotocol")

# the modules everyone may import: records, errors, events and small pure helpers
BASE = ("types", "errors", "cancel", "events", "secrets", "source_encoding", "diff", "progress", "plan", "pyast")
# a leaf imports only base modules and leaves of a lower level
LEAF_LEVEL = {"project": 0, "parallel": 0, "ast": 1, "llm": 1, "sandbox": 1, "testing": 2}
STAGES = ("reproduce", "localize", "generate", "rank", "validate", "propose")   # in pipeline order
BESIDE = ("agent_loop", "memory", "learn", "watch", "traces", "finetune", "config", "doctor", "render", "session")
OUTERMOST = ("eval", "cli", "__main__")
# what a stage never imports, beyond what no stage imports: the ranker knows no LLM
STAGE_MUST_NOT = {"rank": ("llm", "agent_loop")}
# who may import an outermost module
OUTERMOST_IMPORTED_BY = {"cli": ("__main__",), "eval": ("cli", "__main__"), "__main__": ()}
RUNTIME_RANKER, TRAINING = "agent.rank", "agent.rank.training"
# folders of plug-ins counted as part of their package in the cycle check: the repair templates
# build on agent.generate.site, and agent.generate.generator loads them
PLUGIN_FOLDERS = ("agent.generate.templates",)

# Imports still to be converted (issue 21), as (file, imported module); each must still break a rule,
# and the cycle check leaves them out. Empty it as they are fixed; add nothing.
NOT_YET_FIXED: set[tuple[str, str]] = set()


@dataclass(frozen=True)
class Import:
    module: str                 # absolute dotted name of the imported module
    names: tuple[str, ...]      # the names of `from module import a, b`; () for `import module`
    line: int


def module_of(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_module(name: str, root: Path) -> bool:
    where = root.joinpath(*name.split("."))
    return where.is_dir() or where.with_suffix(".py").exists()


def imports_of(path: Path, root: Path = ROOT) -> tuple[Import, ...]:
    """Every import of a file, relative ones resolved. `from p import x` where `x` is a module counts
    as importing `p.x` (and `p` only for the names that are not modules)."""
    return _imports_in(path.read_text(encoding="utf-8"), path, root)


@functools.cache
def _imports_in(text: str, path: Path, root: Path) -> tuple[Import, ...]:
    me = module_of(path, root)
    package = me if path.name == "__init__.py" else me.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(text, str(path))):
        if isinstance(node, ast.Import):
            found += [Import(alias.name, (), node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                up = package.split(".")[:len(package.split(".")) - node.level + 1]
                module = ".".join(up + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            subs = [a.name for a in node.names if _is_module(f"{module}.{a.name}", root)]
            rest = tuple(a.name for a in node.names if a.name not in subs)
            if rest or not subs:
                found.append(Import(module, rest, node.lineno))
            found += [Import(f"{module}.{name}", (), node.lineno) for name in subs]
    return tuple(found)


def python_files(package: str, root: Path = ROOT) -> list[Path]:
    return sorted((root / package).rglob("*.py"))


def _where(path: Path, imp: Import, root: Path) -> str:
    return f"{path.relative_to(root).as_posix()}:{imp.line}"


def lsp_violations(root: Path = ROOT) -> list[str]:
    return [f"{_where(p, i, root)} imports {i.module}" for p in python_files("agent", root)
            for i in imports_of(p, root) if i.module.split(".")[0] in AGENT_MUST_NOT]


def public_names(root: Path = ROOT) -> set[str]:
    """`__all__` of agent/__init__.py, read without importing it."""
    tree = ast.parse((root / "agent" / "__init__.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "__all__" for t in node.targets):
            return set(ast.literal_eval(node.value))
    return set()


def server_violations(root: Path = ROOT) -> list[tuple[str, str]]:
    """(where, what) for each server import of the engine other than `from agent import <public name>`."""
    public = public_names(root)
    bad = []
    for path in python_files("server", root):
        for imp in imports_of(path, root):
            if imp.module.split(".")[0] != "agent":
                continue
            private = [n for n in imp.names if n not in public]
            if imp.module != "agent" or not imp.names or private:
                bad.append((_where(path, imp, root), imp.module if imp.module != "agent" or not imp.names
                            else f"agent.{', agent.'.join(private)}"))
    return bad


def layer_of(unit: str) -> str | None:
    if unit in BASE:
        return "base"
    if unit in LEAF_LEVEL:
        return "leaf"
    if unit in STAGES:
        return "stage"
    if unit in BESIDE:
        return "beside"
    if unit in OUTERMOST:
        return "outermost"
    return None


def _unit(module: str) -> str:
    """The top-level module or package of `agent` a module belongs to ("" for the package itself)."""
    return module.split(".")[1] if "." in module else ""


def why_not(importer: str, imported: str) -> str | None:
    """Why the unit `importer` may not import the unit `imported` (both top-level names in agent/),
    or None when it may."""
    if importer == imported or imported in BASE:
        return None
    if imported in OUTERMOST_IMPORTED_BY:
        allowed = OUTERMOST_IMPORTED_BY[imported]
        return None if importer in allowed else \
            f"only {' and '.join(allowed) or 'nothing'} may import the outermost {imported}"
    layer = layer_of(importer)
    if layer == "base":
        return "a base module imports only base modules"
    if layer == "leaf":
        if LEAF_LEVEL.get(imported, 99) < LEAF_LEVEL[importer]:
            return None
        return "a leaf imports only base modules and lower leaves (project < ast, llm, sandbox < testing)"
    if layer == "stage":
        if imported in STAGE_MUST_NOT.get(importer, ()):
            return f"{importer} never imports {imported}"
        if imported in LEAF_LEVEL or (imported in STAGES and STAGES.index(imported) < STAGES.index(importer)):
            return None
        return "a stage imports only base modules, leaves and earlier stages"
    return None


def layer_violations(root: Path = ROOT) -> list[tuple[str, str]]:
    """(where, what) for each import inside agent/ that its layer forbids."""
    bad = []
    for path in python_files("agent", root):
        me = module_of(path, root)
        importer = _unit(me)
        for imp in imports_of(path, root):
            if imp.module.split(".")[0] != "agent":
                continue
            reason = why_not(importer, _unit(imp.module))
            if reason:
                bad.append((_where(path, imp, root), f"{imp.module}: {reason}"))
            if _within(me, RUNTIME_RANKER) and not _within(me, TRAINING) and _within(imp.module, TRAINING):
                bad.append((_where(path, imp, root), f"{imp.module}: the runtime ranker never imports "
                                                     f"{TRAINING}"))
    return bad


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def torch_in_runtime_ranker(root: Path = ROOT) -> list[str]:
    """The runtime ranker's imports of torch (layer_violations sees only agent's own modules)."""
    return [_where(p, i, root) for p in python_files("agent/rank", root)
            if not _within(module_of(p, root), TRAINING)
            for i in imports_of(p, root) if i.module.split(".")[0] == "torch"]


def unplaced(root: Path = ROOT) -> list[str]:
    """Top-level modules and packages of agent/ that no layer names."""
    units = {_unit(module_of(p, root)) for p in python_files("agent", root)} - {""}
    return sorted(u for u in units if layer_of(u) is None)


def package_node(module: str, root: Path = ROOT) -> str:
    """A module's node in the package graph: its innermost package (a plug-in folder counts as its
    parent), or the module itself for a top-level module of agent/."""
    parts = module.split(".")
    if len(parts) == 2 and not root.joinpath(*parts).is_dir():
        return module
    while len(parts) > 1 and not root.joinpath(*parts).is_dir():
        parts.pop()
    node = ".".join(parts)
    return node.rpartition(".")[0] if node in PLUGIN_FOLDERS else node


def package_graph(root: Path = ROOT) -> dict[str, dict[str, str]]:
    """node -> {imported node: where one such import is}."""
    graph: dict[str, dict[str, str]] = defaultdict(dict)
    for path in python_files("agent", root):
        a = package_node(module_of(path, root), root)
        rel = path.relative_to(root).as_posix()
        for imp in imports_of(path, root):
            if imp.module.split(".")[0] == "agent" and (rel, imp.module) not in NOT_YET_FIXED:
                b = package_node(imp.module, root)
                if a != b:
                    graph[a].setdefault(b, _where(path, imp, root))
    return graph


def cycles(root: Path = ROOT) -> list[str]:
    """One cycle of each strongly connected part of the package graph, as `a -> b (where) -> a`."""
    graph = package_graph(root)
    found, done = [], set()
    for start in sorted(graph):
        if start in done:
            continue
        reach = _reachable(graph, start)
        part = {n for n in reach if start in _reachable(graph, n)}
        done |= part | {start}
        if start in part:
            found.append(_cycle_through(graph, start, part))
    return found


def _reachable(graph: dict[str, dict[str, str]], start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        for nxt in graph.get(todo.pop(), {}):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def _cycle_through(graph: dict[str, dict[str, str]], start: str, part: set[str]) -> str:
    """A shortest path start -> ... -> start inside `part`, each edge with one import that makes it."""
    paths, queue = {start: [start]}, [start]
    while queue:
        node = queue.pop(0)
        for nxt in sorted(graph.get(node, {})):
            if nxt == start:
                hops = paths[node] + [start]
                return " -> ".join(f"{a} ({graph[a][b]})" for a, b in zip(hops, hops[1:])) + f" -> {start}"
            if nxt in part and nxt not in paths:
                paths[nxt] = paths[node] + [nxt]
                queue.append(nxt)
    return start


def _unlisted(found: list[tuple[str, str]]) -> list[str]:
    return [f"{where} imports {what}" for where, what in found
            if (where.partition(":")[0], what.partition(":")[0]) not in NOT_YET_FIXED]


def test_agent_knows_nothing_of_lsp():
    assert not lsp_violations(), "\n".join(lsp_violations())


def test_server_uses_only_the_public_agent_surface():
    bad = _unlisted(server_violations())
    assert not bad, "server may import only `from agent import <a name of agent.__all__>`:\n" + "\n".join(bad)


def test_every_agent_module_has_a_layer():
    assert not unplaced(), f"add {unplaced()} to a layer of tests/test_import_rules.py"


def test_agent_imports_follow_the_layers():
    bad = _unlisted(layer_violations())
    assert not bad, "\n".join(bad)


def test_the_runtime_ranker_imports_no_torch():
    assert not torch_in_runtime_ranker(), torch_in_runtime_ranker()


def test_no_cycles_between_packages():
    found = cycles()
    assert not found, "import cycles between packages:\n" + "\n".join(found)


def test_the_plugin_folders_are_packages_of_agent():
    assert all(ROOT.joinpath(*name.split(".")).is_dir() for name in PLUGIN_FOLDERS), PLUGIN_FOLDERS


def test_the_not_yet_fixed_list_names_only_live_violations():
    live = {(w.partition(":")[0], what.partition(":")[0])
            for w, what in layer_violations() + server_violations()}
    assert not NOT_YET_FIXED - live, f"fixed, remove from NOT_YET_FIXED: {sorted(NOT_YET_FIXED - live)}"


# --- each rule sees a violation, on sample trees --------------------------------------------------

def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for rel, text in {"agent/__init__.py": "__all__ = ['run_repair']\n", **files}.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    return tmp_path


def test_imports_are_resolved_relative_and_inside_functions(tmp_path):
    root = _tree(tmp_path, {"agent/rank/__init__.py": "", "agent/rank/scorer.py": "", "agent/types.py": "",
                            "agent/rank/training/__init__.py": "",
                            "agent/rank/training/cli.py": "from . import model\nfrom ..scorer import x\n"
                                                          "def f():\n    from ...types import Candidate\n"
                                                          "    from ... import run_repair, types\n",
                            "agent/rank/training/model.py": "", "agent/cancel.py": "", "x.py": "import pygls.server\n"
                                                                        "from agent import cancel\n"})
    got = [(i.module, i.names) for i in imports_of(root / "agent/rank/training/cli.py", root)]
    assert got == [("agent.rank.training.model", ()), ("agent.rank.scorer", ("x",)),
                   ("agent.types", ("Candidate",)), ("agent", ("run_repair",)), ("agent.types", ())]
    assert [i.module for i in imports_of(root / "x.py", root)] == ["pygls.server", "agent.cancel"]
    (root / "agent/rank/__init__.py").write_text("from .training import cli\n")
    assert [i.module for i in imports_of(root / "agent/rank/__init__.py", root)] == ["agent.rank.training.cli"]


def test_the_lsp_rule_sees_violations(tmp_path):
    root = _tree(tmp_path, {"agent/render.py": "def f():\n    from lsprotocol import types\n"})
    assert lsp_violations(root) == ["agent/render.py:2 imports lsprotocol"]


def test_the_server_rule_sees_violations(tmp_path):
    root = _tree(tmp_path, {"agent/errors.py": "", "server/x.py": "from agent import run_repair\n"
                            "from agent.errors import BadInput\nimport agent.types\nfrom agent import errors\n"
                            "def f():\n    from agent import Hidden\n"})
    assert server_violations(root) == [("server/x.py:2", "agent.errors"), ("server/x.py:3", "agent.types"),
                                       ("server/x.py:4", "agent.errors"), ("server/x.py:6", "agent.Hidden")]


@pytest.mark.parametrize("importer, imported, rule", [
    ("agent/types.py", "agent.config", "base module"),
    ("agent/project.py", "agent.sandbox", "leaf"),
    ("agent/sandbox/x.py", "agent.ast", "leaf"),
    ("agent/testing/x.py", "agent.localize", "leaf"),
    ("agent/llm/x.py", "agent.config", "leaf"),
    ("agent/localize/x.py", "agent.rank", "stage"),
    ("agent/rank/training/x.py", "agent.memory", "stage"),
    ("agent/generate/x.py", "agent.session", "stage"),
    ("agent/rank/x.py", "agent.llm", "rank never imports llm"),
    ("agent/rank/probe/x.py", "agent.agent_loop.tools", "rank never imports agent_loop"),
    ("agent/session.py", "agent.cli", "outermost"),
    ("agent/watch/x.py", "agent.eval", "outermost"),
    ("agent/rank/x.py", "agent.rank.training.model", "runtime ranker"),
])
def test_the_layer_rules_see_violations(tmp_path, importer, imported, rule):
    root = _tree(tmp_path, {importer: f"def f():\n    import {imported}\n"})
    found = layer_violations(root)
    assert found and rule in found[-1][1] and found[-1][0] == f"{importer}:2", found


@pytest.mark.parametrize("importer, imported", [
    ("agent/testing/x.py", "agent.sandbox"), ("agent/testing/x.py", "agent.project"),
    ("agent/sandbox/x.py", "agent.project"), ("agent/rank/x.py", "agent.generate"),
    ("agent/validate/x.py", "agent.llm"), ("agent/session.py", "agent.propose"),
    ("agent/cli.py", "agent.eval"), ("agent/memory/x.py", "agent.rank.training"),
    ("agent/rank/training/x.py", "agent.rank.scorer"), ("agent/diff.py", "agent.types"),
])
def test_the_layer_rules_allow_what_the_layers_allow(tmp_path, importer, imported):
    assert layer_violations(_tree(tmp_path, {importer: f"import {imported}\n"})) == []


def test_the_runtime_ranker_rule_sees_torch(tmp_path):
    root = _tree(tmp_path, {"agent/rank/x.py": "def f():\n    import torch\n",
                            "agent/rank/training/y.py": "import torch\n"})
    assert torch_in_runtime_ranker(root) == ["agent/rank/x.py:2"]


def test_a_module_without_a_layer_is_seen(tmp_path):
    assert unplaced(_tree(tmp_path, {"agent/oracle/__init__.py": "", "agent/types.py": ""})) == ["oracle"]


def test_the_cycle_rule_sees_cycles(tmp_path):
    root = _tree(tmp_path, {"agent/memory/__init__.py": "", "agent/memory/feedback.py": "from ..rank import x\n",
                            "agent/rank/__init__.py": "def f():\n    from .training import cli\n",
                            "agent/rank/training/__init__.py": "",
                            "agent/rank/training/cli.py": "from ...memory.feedback import read\n",
                            "agent/generate/__init__.py": "from .templates import t\n",
                            "agent/generate/templates/t.py": "from agent.generate import site\n",
                            "agent/generate/site.py": ""})
    assert cycles(root) == ["agent.memory (agent/memory/feedback.py:1) -> agent.rank (agent/rank/__init__.py:2)"
                            " -> agent.rank.training (agent/rank/training/cli.py:1) -> agent.memory"]
    (root / "agent/rank/__init__.py").write_text("")
    assert cycles(root) == []
