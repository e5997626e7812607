"""read_file {path, start_line?, end_line?}: a file's lines, numbered, bounded in size."""
from __future__ import annotations

from typing import Any

from ...project import read_regular
from .base import PATH_PATTERN, ToolContext, ToolOutput, bound, resolve


class ReadFile:
    name = "read_file"
    description = "Read a text file, with line numbers; optionally only lines start_line..end_line."
    schema = {"type": "object", "properties": {
        "path": {"type": "string", "pattern": PATH_PATTERN, "maxLength": 200},
        "start_line": {"type": "integer", "minimum": 1, "maximum": 100000},
        "end_line": {"type": "integer", "minimum": 1, "maximum": 100000}},
        "required": ["path"], "additionalProperties": False}
    mutates = False
    path_fields = ("path",)

    def run(self, ctx: ToolContext, args: dict[str, Any]) -> ToolOutput:
        target = resolve(ctx, args["path"])
        if not target.is_file():
            return ToolOutput(False, f"no such file: {args['path']}")
        try:
            lines = read_regular(target).decode("utf-8", errors="replace").splitlines()
        except OSError as exc:
            return ToolOutput(False, f"cannot read {args['path']}: {exc.strerror}")
        start = args.get("start_line", 1)
        end = min(args.get("end_line", len(lines)), len(lines))
        if start > max(end, 1):
            return ToolOutput(False, f"{args['path']} has {len(lines)} lines; start_line {start} is past the end")
        body = "\n".join(f"{n:5d}  {lines[n - 1]}" for n in range(start, end + 1))
        return ToolOutput(True, bound(body or "(empty file)"))


TOOL = ReadFile()
