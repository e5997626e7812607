"""run_tests {test_ids?}: the engine's pytest runner, in the sandbox copy (default: the failing
targets); a pass/fail summary with the failures' messages."""
from __future__ import annotations

from typing import Any

from .base import TEXT_PATTERN, ToolContext, ToolOutput, bound


class RunTests:
    name = "run_tests"
    description = "Run tests (pytest node ids or files; default: the failing tests) and report results."
    schema = {"type": "object", "properties": {
        "test_ids": {"type": "array", "maxItems": 20,
                     "items": {"type": "string", "pattern": TEXT_PATTERN, "minLength": 1, "maxLength": 300}}},
        "additionalProperties": False}
    mutates = False
    path_fields = ()

    def run(self, ctx: ToolContext, args: dict[str, Any]) -> ToolOutput:
        ids = list(args.get("test_ids") or ctx.target_tests)
        report = ctx.runner.run(ctx.workspace, ids, cancel=ctx.cancel)
        ctx.last_report = report
        lines = [f"{len(report.passing)} passed, {len(report.failing)} failed"
                 + (" (timed out)" if report.timed_out else "")]
        lines += [f"collection error: {e}" for e in report.collection_errors]
        for r in report.failing[:10]:
            lines.append(f"FAILED {r.test_id} [{r.outcome.value}]: {r.message[:600]}")
        ok = report.all_ok and bool(report.results)
        return ToolOutput(ok, bound("\n".join(lines)), data={"all_ok": ok})


TOOL = RunTests()
