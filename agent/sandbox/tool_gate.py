"""The policy gate every agent tool call passes before it runs.

- Paths named by a tool's `path_fields` must stay inside the workspace (no absolute paths, no
  `..` or symlink escapes).
- Shell commands (for any command-running tool) are checked against a deny-list of hazards.
- Risky actions ask a human through the `approve` port: changing a test file or conftest (a fix
  must not weaken the tests), and commands that install or delete. The CLI's approver asks on a
  TTY and denies otherwise; the language server shows a prompt.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from ..project import is_conftest, is_test_file

__all__ = ["Decision", "Policy", "Approver", "deny_all", "DENY_PATTERNS", "RISKY_PATTERNS"]

Approver = Callable[[str], bool]

DENY_PATTERNS = tuple(re.compile(p) for p in (
    r"\brm\s+-[a-z]*r[a-z]*f?\s+(/|~|\$HOME)(\s|$)", r"\bmkfs\b", r"\bdd\s+if=", r":\(\)\s*\{",
    r"\b(shutdown|reboot|halt)\b", r"\bcurl\b.*\|\s*(ba)?sh", r"\bwget\b.*\|\s*(ba)?sh",
    r"\bchmod\s+-R\s+777\s+/", r">\s*/dev/sd", r"\bsudo\b", r"\bgit\s+push\b",
))
RISKY_PATTERNS = tuple(re.compile(p) for p in (
    r"\bpip\s+install\b", r"\bapt(-get)?\s+install\b", r"\bnpm\s+install\b", r"\brm\b", r"\bmv\b",
))


def deny_all(question: str) -> bool:
    return False


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str = ""


class Policy:
    def __init__(self, workspace: Path, approve: Approver = deny_all) -> None:
        self.workspace = Path(workspace).resolve()
        self.approve = approve

    def check(self, tool: Any, args: dict[str, Any]) -> Decision:
        for name in getattr(tool, "path_fields", ()):
            if name in args:
                problem = self._path_problem(str(args[name]))
                if problem:
                    return Decision(False, problem)
        if "command" in args:
            decision = self.check_command(str(args["command"]))
            if not decision.allowed:
                return decision
        if getattr(tool, "mutates", False):
            path = str(args.get("path", ""))
            if is_test_file(path) or is_conftest(path):
                return self._ask(f"The agent wants to change the test file {path} with {tool.name}. Allow?")
        return Decision(True)

    def check_command(self, command: str) -> Decision:
        for pattern in DENY_PATTERNS:
            if pattern.search(command):
                return Decision(False, f"command refused by the deny-list ({pattern.pattern})")
        if any(p.search(command) for p in RISKY_PATTERNS):
            return self._ask(f"The agent wants to run: {command}. Allow?")
        return Decision(True)

    def _ask(self, question: str) -> Decision:
        if self.approve(question):
            return Decision(True, "approved")
        return Decision(False, "not approved: " + question)

    def _path_problem(self, rel: str) -> str:
        if not rel or Path(rel).is_absolute():
            return f"path must be relative to the workspace: {rel!r}"
        target = (self.workspace / rel).resolve()
        if target != self.workspace and self.workspace not in target.parents:
            return f"path leaves the workspace: {rel}"
        return ""
