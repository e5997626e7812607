"""Agent tools on a real scratch folder: AST-aware edits (by symbol, line range, snippet), refusal
of edits that break the parse, write_file, reads and searches bounded in size, workspace
confinement."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from agent.errors import BadInput
from agent.testing.runner import PytestRunner
from agent.agent_loop.tools import MAX_OUTPUT, ToolContext, default_tools

SRC = ("import math\n\n\nclass Cart:\n    @property\n    def total(self):\n        return 0\n\n"
       "    def add(self, x):\n        return x - 1\n\n\ndef area(r):\n    return math.pi * r\n")


@pytest.fixture
def ctx(tmp_path: Path) -> ToolContext:
    (tmp_path / "shop.py").write_text(SRC)
    (tmp_path / "big.txt").write_text("needle line\n" * 5000)
    return ToolContext(tmp_path, PytestRunner(sys.executable), [])


def tool(name: str):
    return next(t for t in default_tools() if t.name == name)


def test_edit_replaces_a_method_by_symbol_keeping_indentation(ctx: ToolContext) -> None:
    out = tool("edit").run(ctx, {"path": "shop.py", "symbol": "Cart.add",
                                 "new_text": "def add(self, x):\n    return x + 1\n"})
    assert out.ok and out.changed == ("shop.py",)
    text = (ctx.workspace / "shop.py").read_text()
    assert "    def add(self, x):\n        return x + 1\n\n\ndef area" in text
    compile(text, "shop.py", "exec")


def test_edit_symbol_includes_decorators(ctx: ToolContext) -> None:
    out = tool("edit").run(ctx, {"path": "shop.py", "symbol": "Cart.total",
                                 "new_text": "@property\ndef total(self):\n    return 1\n"})
    assert out.ok
    assert (ctx.workspace / "shop.py").read_text().count("@property") == 1


def test_edit_line_range_and_snippet(ctx: ToolContext) -> None:
    assert tool("edit").run(ctx, {"path": "shop.py", "start_line": 14, "end_line": 14,
                                  "new_text": "    return math.pi * r * r"}).ok
    assert "math.pi * r * r\n" in (ctx.workspace / "shop.py").read_text()
    out = tool("edit").run(ctx, {"path": "shop.py", "old_text": "return", "new_text": "yield"})
    assert not out.ok and "occurs 3 times" in out.text


def test_broken_edit_is_refused_with_the_parser_message(ctx: ToolContext) -> None:
    out = tool("edit").run(ctx, {"path": "shop.py", "symbol": "area", "new_text": "def area(r):\n    return (r\n"})
    assert not out.ok and "would not parse" in out.text and "shop.py:" in out.text
    assert (ctx.workspace / "shop.py").read_text() == SRC


def test_write_file_checks_python(ctx: ToolContext) -> None:
    assert not tool("write_file").run(ctx, {"path": "new.py", "content": "def f(:\n"}).ok
    out = tool("write_file").run(ctx, {"path": "pkg/new.py", "content": "X = 1\n"})
    assert out.ok and (ctx.workspace / "pkg/new.py").read_text() == "X = 1\n"


def test_outputs_are_bounded(ctx: ToolContext) -> None:
    read = tool("read_file").run(ctx, {"path": "big.txt"})
    assert len(read.text) < MAX_OUTPUT + 100 and "characters cut" in read.text
    assert len(tool("grep").run(ctx, {"pattern": "needle"}).text) <= MAX_OUTPUT + 100
    assert "   14      return" in tool("read_file").run(ctx, {"path": "shop.py", "start_line": 14}).text


def test_find_symbol_and_list_files(ctx: ToolContext) -> None:
    assert "shop.py:9: def add(self, x):" in tool("find_symbol").run(ctx, {"name": "add"}).text
    assert tool("list_files").run(ctx, {"rel_dir": "."}).text.splitlines() == ["big.txt", "shop.py"]


def test_paths_cannot_leave_the_workspace(ctx: ToolContext) -> None:
    with pytest.raises(BadInput, match="leaves the workspace"):
        tool("read_file").run(ctx, {"path": "../etc/passwd"})
