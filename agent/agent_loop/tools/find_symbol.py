"""find_symbol {name}: where a function or class is defined (tree-sitter definitions query)."""
from __future__ import annotations

import os
from typing import Any

from ...ast.nodes import parent_of
from ...ast.parser import parse
from ...ast.query import captures
from ...sandbox.workspace import SKIP_DIRS, read_regular
from .base import ToolContext, ToolOutput, bound

MAX_HITS = 50


class FindSymbol:
    name = "find_symbol"
    description = "Find the definitions (def/class) of a name in the project's Python files."
    schema = {"type": "object", "properties": {
        "name": {"type": "string", "pattern": r"^[A-Za-z_][A-Za-z0-9_]*$", "maxLength": 100}},
        "required": ["name"], "additionalProperties": False}
    mutates = False
    path_fields = ()

    def run(self, ctx: ToolContext, args: dict[str, Any]) -> ToolOutput:
        root = ctx.workspace.resolve()
        hits: list[str] = []
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
            for fname in sorted(f for f in filenames if f.endswith(".py")):
                path = os.path.join(dirpath, fname)
                try:
                    src = read_regular(path, root=root)
                except OSError:          # a FIFO, a link out of the copy, too large: not source
                    continue
                found = captures("definitions", parse(src).root_node)
                for node in found.get("function", []) + found.get("class", []):
                    if (node.text or b"").decode("utf-8", "replace") == args["name"]:
                        header = src[parent_of(node).start_byte:].split(b"\n", 1)[0].decode("utf-8", "replace")
                        rel = os.path.relpath(path, root).replace(os.sep, "/")
                        hits.append(f"{rel}:{node.start_point.row + 1}: {header.strip()}")
        return ToolOutput(True, bound("\n".join(hits[:MAX_HITS]) or f"no definition of {args['name']}"))


TOOL = FindSymbol()
