"""finish {summary, changes}: the model says it is done. `changes` is descriptive only; what the
patch is comes from the sandbox, and the loop checks the tests before accepting the finish."""
from __future__ import annotations

from typing import Any

from .base import TEXT_PATTERN, ToolContext, ToolOutput


class Finish:
    name = "finish"
    description = "Finish: summarize the fix (summary) and describe the changes made (changes)."
    schema = {"type": "object", "properties": {
        "summary": {"type": "string", "pattern": TEXT_PATTERN, "maxLength": 2000},
        "changes": {"type": "string", "pattern": TEXT_PATTERN, "maxLength": 2000}},
        "required": ["summary", "changes"], "additionalProperties": False}
    mutates = False
    path_fields = ()

    def run(self, ctx: ToolContext, args: dict[str, Any]) -> ToolOutput:
        return ToolOutput(True, "finish requested: " + args["summary"][:500], finished=True)


TOOL = Finish()
