"""Bug injection: every kind yields valid Python that differs from the original, at a statement
inside a function, and kinds the templates cannot express are among them."""
from __future__ import annotations

import random

from agent.ast.parser import is_valid_python, parse
from agent.ast.scope import index_module
from agent.rank.training.mutate import KINDS, function_statements, mutate

SRC = b'''class Box:
    def __init__(self, width, height):
        self.width = width
        self.height = height

    def area(self, scale=1):
        total = self.width * self.height
        total += 1
        if not self.width:
            return 0
        items = sorted(range(len(self.label)), key=abs)
        self.items.append(items[0])
        name = "box label".strip().upper()
        if total > 10 and scale:
            return max(total, scale - 1)
        return total // scale
'''


def test_mutations_are_valid_and_change_the_code():
    tree = parse(SRC)
    index = index_module(tree)
    stmts = function_statements(tree.root_node)
    assert stmts
    seen = set()
    rng = random.Random(0)
    for _ in range(300):
        stmt = rng.choice(stmts)
        m = mutate(SRC, stmt, index, rng)
        if m is None:
            continue
        mutated = SRC[:m.start] + m.new.encode() + SRC[m.end:]
        assert mutated != SRC
        assert is_valid_python(mutated), (m, mutated.decode())
        assert 0 <= m.site <= len(mutated)
        seen.add(m.kind)
    assert {"wrong_operator", "off_by_one", "wrong_variable", "changed_string", "replaced_call",
            "deleted_statement", "changed_constant"} <= seen
    assert len(KINDS) >= 12
