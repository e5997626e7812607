"""write_file {path, content}: create or overwrite a whole file; Python files must parse."""
from __future__ import annotations

from typing import Any

from ...ast.parser import is_valid_python
from .base import PATH_PATTERN, TEXT_PATTERN, ToolContext, ToolOutput, resolve
from .edit import _parse_message


class WriteFile:
    name = "write_file"
    description = "Create or overwrite a file with the given content (Python files must parse)."
    schema = {"type": "object", "properties": {
        "path": {"type": "string", "pattern": PATH_PATTERN, "maxLength": 200},
        "content": {"type": "string", "pattern": TEXT_PATTERN, "maxLength": 100000}},
        "required": ["path", "content"], "additionalProperties": False}
    mutates = True
    path_fields = ("path",)

    def run(self, ctx: ToolContext, args: dict[str, Any]) -> ToolOutput:
        target = resolve(ctx, args["path"])
        data = args["content"].encode("utf-8")
        if args["path"].endswith(".py") and not is_valid_python(data, args["path"]):
            return ToolOutput(False, "write refused, the file would not parse: " + _parse_message(data, args["path"]))
        if target.is_dir():
            return ToolOutput(False, f"{args['path']} is a folder")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        return ToolOutput(True, f"wrote {args['path']} ({len(data)} bytes)", changed=(args["path"],))


TOOL = WriteFile()
