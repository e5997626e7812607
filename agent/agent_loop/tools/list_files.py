"""list_files {rel_dir}: the files under a folder of the workspace (recursive, caches skipped)."""
from __future__ import annotations

import os
from typing import Any

from ...project import SKIP_DIRS
from .base import PATH_PATTERN, ToolContext, ToolOutput, bound, resolve

MAX_ENTRIES = 300


class ListFiles:
    name = "list_files"
    description = "List the files under a folder of the project, recursively ('.' is the root)."
    schema = {"type": "object", "properties": {
        "rel_dir": {"type": "string", "pattern": PATH_PATTERN, "maxLength": 200}},
        "required": ["rel_dir"], "additionalProperties": False}
    mutates = False
    path_fields = ("rel_dir",)

    def run(self, ctx: ToolContext, args: dict[str, Any]) -> ToolOutput:
        folder = resolve(ctx, args["rel_dir"])
        if not folder.is_dir():
            return ToolOutput(False, f"not a folder: {args['rel_dir']}")
        root = ctx.workspace.resolve()
        found: list[str] = []
        for dirpath, dirnames, filenames in os.walk(folder):
            dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and not d.endswith(".egg-info"))
            for name in sorted(filenames):
                found.append(os.path.relpath(os.path.join(dirpath, name), root).replace(os.sep, "/"))
            if len(found) > MAX_ENTRIES:
                break
        more = f"\n... (more than {MAX_ENTRIES} files)" if len(found) > MAX_ENTRIES else ""
        return ToolOutput(True, bound("\n".join(found[:MAX_ENTRIES]) + more or "(empty)"))


TOOL = ListFiles()
