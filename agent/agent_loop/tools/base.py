"""What every agent tool shares: the context it runs in (the sandbox copy, the test runner, the
failing targets), the shape of its output, and the size bound on what goes back to the model.

A tool is a module-level object with `name`, `description`, `schema` (JSON schema of its args,
string fields constrained by patterns so constrained decoding stays printable), `mutates` (only
edit and write_file change files), `path_fields` (args the policy confines to the workspace) and
`run(ctx, args) -> ToolOutput`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, Sequence

from ...cancel import CancelToken
from ...errors import BadInput
from ...types import RunReport

__all__ = ["Tool", "ToolContext", "ToolOutput", "TestRunnerPort", "MAX_OUTPUT", "bound",
           "PATH_PATTERN", "TEXT_PATTERN", "resolve"]

MAX_OUTPUT = 6000                                   # characters of one tool result
PATH_PATTERN = r"^[A-Za-z0-9_.][A-Za-z0-9_./-]*$"
TEXT_PATTERN = r"^[^\x00-\x08\x0b-\x1f]*$"           # printable, newlines and tabs allowed


class TestRunnerPort(Protocol):
    def run(self, root: Path, test_ids: Sequence[str], *, cancel: CancelToken | None = None) -> RunReport:
        ...


@dataclass
class ToolContext:
    workspace: Path                       # the sandbox copy; never the user's files
    runner: TestRunnerPort
    target_tests: list[str]
    cancel: CancelToken = field(default_factory=CancelToken)
    last_report: RunReport | None = None


@dataclass
class ToolOutput:
    ok: bool
    text: str
    changed: tuple[str, ...] = ()
    finished: bool = False
    data: dict[str, Any] = field(default_factory=dict)


class Tool(Protocol):
    name: str
    description: str
    schema: dict[str, Any]
    mutates: bool
    path_fields: tuple[str, ...]

    def run(self, ctx: ToolContext, args: dict[str, Any]) -> ToolOutput:
        ...


def bound(text: str, limit: int = MAX_OUTPUT) -> str:
    """Keep the head and the tail of a long output; say how much was cut."""
    if len(text) <= limit:
        return text
    half = limit // 2
    return f"{text[:half]}\n... [{len(text) - limit} characters cut] ...\n{text[-half:]}"


def resolve(ctx: ToolContext, rel: str) -> Path:
    """`rel` inside the workspace (symlinks resolved); BadInput when it would leave it."""
    if not rel or Path(rel).is_absolute():
        raise BadInput(f"path must be relative to the project: {rel!r}")
    root = ctx.workspace.resolve()
    target = (root / rel).resolve()
    if target != root and root not in target.parents:
        raise BadInput(f"path leaves the workspace: {rel}")
    return target
