"""The agent's tools, one module each (schema + run), and the default tool box."""
from __future__ import annotations

from .base import MAX_OUTPUT, Tool, ToolContext, ToolOutput, bound

__all__ = ["Tool", "ToolContext", "ToolOutput", "MAX_OUTPUT", "bound", "default_tools"]


def default_tools() -> list[Tool]:
    from . import edit, find_symbol, finish, grep, list_files, read_file, run_tests, write_file
    return [m.TOOL for m in (list_files, read_file, grep, find_symbol, edit, write_file, run_tests, finish)]
