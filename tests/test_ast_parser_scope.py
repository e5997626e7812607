"""Parser validity gate, query loading, statements on a line, and names in scope with kinds."""
from __future__ import annotations

from agent.ast.nodes import statements_on_line, text
from agent.ast.offsets import Offsets
from agent.ast.parser import is_valid_python, parse, syntax_errors
from agent.ast.query import captures
from agent.ast.scope import index_module, scope_at


def test_syntax_errors_and_validity():
    assert syntax_errors(parse(b"x = 1\n")) == []
    assert syntax_errors(parse(b"def f(:\n    pass\n"))[0][0] == 1
    assert is_valid_python(b"x = 1\n")
    assert not is_valid_python(b"x = (1\n")
    assert not is_valid_python(b"return 1\n")            # tree-sitter accepts it, compile() does not
    assert is_valid_python(b"import re\nr = re.compile('\\d')\n")   # a SyntaxWarning is no error


def test_queries_load_from_data_files():
    tree = parse(b"import os\nfrom a import b as c\ndef f(x, y=1, *a, **k):\n    z = x\n")
    found = captures("definitions", tree.root_node)
    assert [text(n) for n in found["import"]] == ["os", "c"]
    assert [text(n) for n in found["param"]] == ["x", "y", "a", "k"]


SRC = b'''import os
LIMIT = 3

class Box:
    def __init__(self, width, height):
        self.width = width
        self.height = height

    def area(self, scale=1):
        total = 0
        for i in range(3):
            total += self.width * scale; extra = i
        later = 1
        return total
'''


def test_statements_on_line():
    tree, off = parse(SRC), Offsets(SRC)
    assert [s.type for s in statements_on_line(tree, off, 12)] == ["expression_statement"] * 2
    assert statements_on_line(tree, off, 11)[0].type == "for_statement"
    assert statements_on_line(tree, off, 3) == []


def test_scope_kinds():
    tree, off = parse(SRC), Offsets(SRC)
    stmt = statements_on_line(tree, off, 12)[0]
    scope = scope_at(index_module(tree), stmt)
    kinds = {n.text: n.kind for n in scope.variables}
    assert kinds["scale"] == "param" and kinds["total"] == "local" and kinds["i"] == "local"
    assert kinds["LIMIT"] == "global"
    assert "later" not in kinds                          # assigned after the line
    assert {f.text for f in scope.fields} == {"width", "height"}
    assert {n.text: n.kind for n in scope.callables} == {"os": "import", "Box": "class"}
    assert "width" not in {n.text for n in scope.variables}
