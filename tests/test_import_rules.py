"""The layering rules of DESIGN.md: `agent` never imports the LSP side; `server` reaches the
engine only through its public surface."""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SERVER_MAY_IMPORT = {"agent"}
AGENT_MUST_NOT = ("server", "pygls", "lsprotocol")


def imported_modules(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append(node.module)
            # `from agent import x` may name a submodule: count it as one
            if node.module == "agent":
                found += [f"agent.{a.name}" for a in node.names
                          if (ROOT / "agent" / a.name).is_dir() or (ROOT / "agent" / f"{a.name}.py").exists()]
    return found


def python_files(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("path", python_files("agent"), ids=lambda p: str(p.relative_to(ROOT)))
def test_agent_knows_nothing_of_lsp(path):
    bad = [m for m in imported_modules(path) if m.split(".")[0] in AGENT_MUST_NOT]
    assert not bad, f"{path.relative_to(ROOT)} imports {bad}"


@pytest.mark.parametrize("path", python_files("server"), ids=lambda p: str(p.relative_to(ROOT)))
def test_server_uses_only_the_public_agent_surface(path):
    bad = [m for m in imported_modules(path) if m.split(".")[0] == "agent" and m not in SERVER_MAY_IMPORT]
    assert not bad, f"{path.relative_to(ROOT)} imports private engine modules {bad}"


def test_the_rules_see_violations(tmp_path):
    sample = tmp_path / "x.py"
    sample.write_text("import pygls.server\nfrom agent.session import repair\nfrom agent import cancel\n")
    assert imported_modules(sample) == ["pygls.server", "agent.session", "agent", "agent.cancel"]
