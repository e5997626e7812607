"""edit {path, new_text, symbol? | start_line+end_line? | old_text?}: AST-aware edits.

Three ways to say what to replace: a function or class by name (`symbol`, "Class.method" for a
method; tree-sitter finds its node, decorators included), a line range, or an exact snippet that
occurs once (a statement). The edited file must re-parse (tree-sitter and CPython agree); a broken
edit is refused with the parser's message and nothing is written.
"""
from __future__ import annotations

from typing import Any

from ...ast.parser import is_valid_python, parse, syntax_errors
from ...diff import apply_spans
from ...project import read_regular
from .base import PATH_PATTERN, TEXT_PATTERN, ToolContext, ToolOutput, resolve


class Edit:
    name = "edit"
    description = ("Edit a file: replace a whole function/class (symbol, e.g. 'total' or 'Cart.add'), "
                   "a line range (start_line..end_line, inclusive) or an exact snippet (old_text) "
                   "with new_text. The result must parse.")
    schema = {"type": "object", "properties": {
        "path": {"type": "string", "pattern": PATH_PATTERN, "maxLength": 200},
        "new_text": {"type": "string", "pattern": TEXT_PATTERN, "maxLength": 20000},
        "symbol": {"type": "string", "pattern": r"^[A-Za-z_][A-Za-z0-9_.]*$", "maxLength": 200},
        "start_line": {"type": "integer", "minimum": 1, "maximum": 100000},
        "end_line": {"type": "integer", "minimum": 1, "maximum": 100000},
        "old_text": {"type": "string", "pattern": TEXT_PATTERN, "minLength": 1, "maxLength": 20000}},
        "required": ["path", "new_text"], "additionalProperties": False}
    mutates = True
    path_fields = ("path",)

    def run(self, ctx: ToolContext, args: dict[str, Any]) -> ToolOutput:
        target = resolve(ctx, args["path"])
        if not target.is_file():
            return ToolOutput(False, f"no such file: {args['path']} (use write_file to create one)")
        try:
            src = read_regular(target)
        except OSError as exc:
            return ToolOutput(False, f"cannot read {args['path']}: {exc.strerror}")
        span = _span(src, args)
        if isinstance(span, str):
            return ToolOutput(False, span)
        start, end, indent = span
        new_text = args["new_text"]
        if "symbol" in args and new_text.endswith("\n") and src[end:end + 1] == b"\n":
            new_text = new_text[:-1]        # a definition node ends before its newline
        result = apply_spans(src, [(start, end, _indent(new_text, indent))])
        if args["path"].endswith(".py") and not is_valid_python(result, args["path"]):
            return ToolOutput(False, "edit refused, the file would not parse: " + _parse_message(result, args["path"]))
        target.write_bytes(result)
        return ToolOutput(True, f"edited {args['path']} (bytes {start}..{end} replaced)", changed=(args["path"],))


def _span(src: bytes, args: dict[str, Any]) -> tuple[int, int, str] | str:
    if "symbol" in args:
        node = _find_definition(src, args["symbol"])
        if node is None:
            return f"no function or class named {args['symbol']!r} in {args['path']}"
        line_start = src.rfind(b"\n", 0, node.start_byte) + 1
        return line_start, node.end_byte, " " * node.start_point.column
    if "start_line" in args:
        lines = src.splitlines(keepends=True)
        first, last = args["start_line"], args.get("end_line", args["start_line"])
        if not 1 <= first <= last <= len(lines):
            return f"line range {first}..{last} is outside {args['path']} ({len(lines)} lines)"
        start = sum(len(ln) for ln in lines[:first - 1])
        end = sum(len(ln) for ln in lines[:last])
        new_text = args["new_text"]
        if lines[last - 1].endswith(b"\n") and not new_text.endswith("\n"):
            args["new_text"] = new_text + "\n"
        return start, end, ""
    if "old_text" in args:
        old = args["old_text"].encode("utf-8")
        count = src.count(old)
        if count != 1:
            return (f"old_text occurs {count} times in {args['path']}; it must occur exactly once "
                    "(add surrounding lines, or use start_line/end_line)")
        start = src.index(old)
        return start, start + len(old), ""
    return "say what to replace: symbol, start_line/end_line, or old_text"


def _find_definition(src: bytes, dotted: str):
    names = dotted.split(".")
    scope = parse(src).root_node
    node = None
    for name in names:
        node = _child_definition(scope, name)
        if node is None:
            return None
        scope = node.child_by_field_name("body") or node
    if node is not None and node.parent is not None and node.parent.type == "decorated_definition":
        return node.parent
    return node


def _child_definition(scope, name: str):
    for child in scope.children:
        target = child.child_by_field_name("definition") if child.type == "decorated_definition" else child
        if target is not None and target.type in ("function_definition", "class_definition"):
            ident = target.child_by_field_name("name")
            if ident is not None and ident.text.decode() == name:
                return target
    return None


def _indent(text: str, indent: str) -> str:
    """Indent a definition written flush-left to the column of the one it replaces."""
    if not indent or text.startswith(indent) or not text.strip():
        return text
    return "".join(indent + line if line.strip() else line for line in text.splitlines(keepends=True))


def _parse_message(src: bytes, path: str) -> str:
    try:
        compile(src, path, "exec", dont_inherit=True)
    except SyntaxError as exc:
        return f"{path}:{exc.lineno}:{exc.offset or 0}: {exc.msg}"
    errors = syntax_errors(parse(src))
    return ", ".join(f"{path}:{line}:{col}: syntax error" for line, col in errors[:3]) or "syntax error"


TOOL = Edit()
