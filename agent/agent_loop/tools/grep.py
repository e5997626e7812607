"""grep {pattern, path?}: lines matching a regular expression, as path:line: text."""
from __future__ import annotations

import os
import re
from typing import Any

from ...project import SKIP_DIRS, read_regular
from .base import PATH_PATTERN, TEXT_PATTERN, ToolContext, ToolOutput, bound, resolve

MAX_HITS = 100


class Grep:
    name = "grep"
    description = "Search the project's text files for a Python regular expression (optionally under a path)."
    schema = {"type": "object", "properties": {
        "pattern": {"type": "string", "pattern": TEXT_PATTERN, "minLength": 1, "maxLength": 200},
        "path": {"type": "string", "pattern": PATH_PATTERN, "maxLength": 200}},
        "required": ["pattern"], "additionalProperties": False}
    mutates = False
    path_fields = ("path",)

    def run(self, ctx: ToolContext, args: dict[str, Any]) -> ToolOutput:
        try:
            regex = re.compile(args["pattern"])
        except re.error as exc:
            return ToolOutput(False, f"bad regular expression: {exc}")
        base = resolve(ctx, args.get("path", "."))
        root = ctx.workspace.resolve()
        files = [base] if base.is_file() else _walk(base)
        hits: list[str] = []
        for path in files:
            try:
                text = read_regular(path, root=root).decode("utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            rel = path.relative_to(root).as_posix()
            hits += [f"{rel}:{n}: {line.strip()[:200]}" for n, line in enumerate(text.splitlines(), 1)
                     if regex.search(line)]
            if len(hits) >= MAX_HITS:
                break
        return ToolOutput(True, bound("\n".join(hits[:MAX_HITS]) or "no matches"))


def _walk(folder):
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
        for name in sorted(filenames):
            yield folder.__class__(dirpath) / name


TOOL = Grep()
