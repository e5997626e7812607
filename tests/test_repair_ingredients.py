"""Expressions from in-scope names (`expression.ingredient`) and statements from the project's own
code (`statement.insert_donor`), issue 22 items 2 and 3: each on a small realistic bug, the
correct fix must be among the candidates generated for the buggy line under its kind; their own
candidate budget; the probe's drop of inert ones; and one hand-made project each, fixed through
the real CLI."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from agent.rank.probe import Evidence, ProbeSite, order_by_evidence, place_speculative
from agent.rank.probe.evidence import evidence_classes
from agent.rank import Ranked
from agent.diff import apply_edits
from agent.generate.generator import generate_candidates
from agent.generate.templates import SPECULATIVE
from agent.types import Candidate, SuspiciousLine

from conftest import remedy_json, write_project


def _fixes(buggy: str, line: int) -> dict[str, str]:
    """Patched source -> template kind, for every candidate at `line`."""
    src = textwrap.dedent(buggy).encode()
    cands = generate_candidates({"m.py": src}, [SuspiciousLine("m.py", line, 1.0)],
                                max_candidates=1000)
    return {apply_edits({"m.py": src}, c.edits)["m.py"].decode(): c.template for c in cands}


CASES = [
    ("expression.ingredient", """
        def negated(ops, key):
            test = ops[key]
            return lambda attr, value: not test
        """, 4, "not test", "not test(attr, value)"),
    ("expression.ingredient", """
        def labels(src, dst):
            left = f"{src.name}  (original)"
            return left, f"{dst}  (formatted)"
        """, 3, "{src.name}", "{src}"),
    ("expression.ingredient", """
        def last(xs, n):
            if not xs:
                return None
            return xs[n - 1]
        """, 5, "xs[n - 1]", "xs[len(xs) - 1]"),
    ("expression.ingredient", """
        def tail(xs, width):
            end = len(xs)
            start = end
            return xs[start:end]
        """, 4, "start = end", "start = end - width"),
    ("expression.ingredient", """
        def rises(xs):
            count = 0
            for i in range(1, len(xs)):
                if xs[i] > i:
                    count += 1
            return count
        """, 5, "xs[i] > i", "xs[i] > xs[i - 1]"),
    ("expression.ingredient", """
        def cheapest(items):
            return min(item.price for item in items)

        def total(items):
            s = 0
            for item in items:
                s += item
            return s
        """, 8, "s += item", "s += item.price"),
    ("expression.ingredient", """
        import re


        def slugify(text, sep="-"):
            slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
            return slug[:40].rstrip(sep)
        """, 6, '"-", text.lower()).strip("-")', 'sep, text.lower()).strip(sep)'),
    ("expression.ingredient", """
        def fmt(src, dst):
            src_name = f"{src.name}  (original)"
            dst_name = f"{src.name}  (formatted)"
            return src_name, dst_name
        """, 3, "{src.name}  (original)\"\n    dst_name = f\"{src.name}",
     "{src}  (original)\"\n    dst_name = f\"{src}"),
    ("statement.insert_donor", """
        def flag_option(params, name, param):
            value = params.get(param)
            if value is None:
                return []
            return [name, str(value)]


        def bool_option(params, name, param, true="true", false="false"):
            flag = params.get(param)
            assert isinstance(flag, bool)
            return [name, true if flag else false]
        """, 11, "    assert isinstance(flag, bool)\n",
     "    if flag is None:\n        return []\n    assert isinstance(flag, bool)\n"),
    ("statement.insert_donor", """
        def config_args(params, param, default=[]):
            args = params.get(param)
            if args is None:
                return default
            return args


        def bool_option(params, name, param):
            flag = params.get(param)
            return [name, "true" if flag else "false"]
        """, 11, "    return [name,", "    if flag is None:\n        return []\n    return [name,"),
    ("statement.insert_donor", """
        def runs(xs):
            out, current = [], 1
            for a, b in zip(xs, xs[1:]):
                if a == b:
                    current += 1
                else:
                    out.append(current)
                    current = 1
            return out
        """, 8, "    return out\n", "    out.append(current)\n    return out\n"),
    ("statement.insert_donor", """
        def last_below(xs, limit):
            prev = None
            for x in xs:
                if x >= limit:
                    break
            return prev
        """, 5, "            break\n", "            break\n        prev = x\n"),
    ("statement.insert_donor", """
        class Node:
            def __init__(self, value, next=None):
                self.value, self.next = value, next


        def length(head):
            n = 0
            node = head
            while node is not None:
                n += 1
            return n
        """, 11, "        n += 1\n", "        n += 1\n        node = node.next\n"),
]


@pytest.mark.parametrize("kind,buggy,line,old,new", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_correct_fix_is_generated(kind, buggy, line, old, new):
    source = textwrap.dedent(buggy)
    assert old in source
    expected = source.replace(old, new, 1)
    fixes = _fixes(buggy, line)
    assert expected in fixes, f"{kind} fix missing; got {len(fixes)} candidates"
    assert fixes[expected] == kind


def test_donor_from_a_sibling_module_rebound():
    here = textwrap.dedent("""
        def bool_option(params, name, param):
            flag = params.get(param)
            return [name, "true" if flag else "false"]
        """).encode()
    sibling = textwrap.dedent("""
        from .options import bool_option


        def flag_option(params, name, param):
            value = params.get(param)
            if value is None:
                return []
            return [name, str(value)]
        """).encode()
    sources = {"pkg/__init__.py": b"", "pkg/options.py": here, "pkg/flags.py": sibling,
               "tests/test_flags.py": b"def test_f():\n    value = params.get(param)\n"}
    cands = generate_candidates({"pkg/options.py": here}, [SuspiciousLine("pkg/options.py", 4, 1.0)],
                                max_candidates=1000, sources=sources)
    want = here.replace(b"    return [name", b"    if flag is None:\n        return []\n    return [name")
    found = [c for c in cands if apply_edits({"pkg/options.py": here}, c.edits)["pkg/options.py"] == want]
    assert [c.template for c in found] == ["statement.insert_donor"]
    assert "from pkg/flags.py:7" in found[0].description


def test_attributes_from_what_the_project_defines():
    """`symbols.arglist` -> a name the module `symbols` defines beside it; `r.width` -> a field
    of the class (in a sibling module) that defines `width`."""
    here = textwrap.dedent("""
        from . import symbols
        from .shapes import Rect


        def is_arg(leaf):
            return leaf.parent.type == symbols.arglist


        def area(r):
            return r.width * r.width
        """).encode()
    sources = {"pkg/__init__.py": b"", "pkg/m.py": here,
               "pkg/symbols.py": b"arglist = 1\ntypedargslist = 2\nClassDef = 3\n",
               "pkg/shapes.py": b"class Rect:\n    def __init__(self, w, h):\n        self.width = w\n"
                                b"        self.height = h\n"}
    found = set()
    for line in (7, 11):
        for c in generate_candidates({"pkg/m.py": here}, [SuspiciousLine("pkg/m.py", line, 1.0)],
                                     max_candidates=1000, sources=sources):
            if c.template == "expression.ingredient":
                found.add(c.description.split(": ", 1)[1])
    assert "`symbols.arglist` → `symbols.typedargslist`" in found
    assert "`symbols.arglist` → `symbols.ClassDef`" not in found        # not a constant's sibling
    assert "`symbols.arglist` → `symbols`" not in found                 # a module is no value
    assert "`r.width` → `r.height` (2 times)" in found


def test_a_speculative_twin_never_makes_another_kinds_candidate_a_duplicate():
    """Same site, same values: the better-ranked one counts; duplicates are told among the
    speculative candidates and among the others apart (a guard is seen by its condition only)."""
    ranked = [_ranked("s", "expression.ingredient"), _ranked("o", "off_by_one"),
              _ranked("p", "operator.comparison")]
    site = ProbeSite("x", "m.py", 3, "a", "b")
    evidence = {cid: Evidence(3, 3, 1, 0, 0, "same", site) for cid in "sop"}
    assert [r.candidate.id for r in order_by_evidence(ranked, evidence)] == ["s", "o", "p"]
    assert [r.candidate.id for r in place_speculative(ranked, evidence, SPECULATIVE)] == ["o", "s", "p"]
    classes = {r.candidate.id: k for r, k in zip(ranked, evidence_classes(ranked, evidence))}
    assert classes["o"][0] == 2                          # a duplicate of "s" in energy order alone


def test_kinds_keep_a_number_a_number():
    src = """
        def area(names, width, height):
            label = ", ".join(names)
            return width * height
        """
    combined = [patched.splitlines()[3] for patched, kind in _fixes(src, 4).items()
                if kind == "expression.ingredient"]
    assert "    return (width - height) * height" in combined
    assert not [line for line in combined if "label" in line.replace("len(label)", "")
                or "names" in line.replace("len(names)", "")]


def test_speculative_kinds_have_a_budget_of_their_own():
    """The other kinds get exactly the candidates they got without the speculative ones, and the
    speculative ones at most a quarter more."""
    src = textwrap.dedent("""
        def score(xs, lo, hi, step):
            total = 0
            for i in range(lo, hi, step):
                if xs[i] > lo and xs[i] < hi:
                    total += xs[i] * step - lo
                elif xs[i] == hi:
                    total -= step
            return total // max(1, hi - lo)
        """).encode()
    lines = [SuspiciousLine("m.py", n, 1.0 / n) for n in range(3, 10)]
    cands = generate_candidates({"m.py": src}, lines, max_candidates=40)
    core = [c for c in cands if c.template not in SPECULATIVE]
    extra = [c for c in cands if c.template in SPECULATIVE]
    assert len(core) == 40 and 0 < len(extra) <= 10
    assert cands[:40] == core          # taken after the others


def _ranked(cid: str, template: str) -> Ranked:
    return Ranked(Candidate(edits=(), template=template, path="m.py", line=3, description="",
                            suspiciousness=1.0, source="builtin", id=cid))


def _evidence(reached: int, observed: int, diffs: int, digest: str) -> Evidence:
    return Evidence(reached, observed, diffs, 0, 0, digest, ProbeSite(digest, "m.py", 3, "a", "b"))


def test_probe_drops_inert_speculative_candidates_and_puts_the_others_after_the_other_kinds(monkeypatch):
    ranked = [_ranked("a", "expression.ingredient"), _ranked("b", "expression.ingredient"),
              _ranked("c", "identifier.replace"), _ranked("d", "statement.insert_donor"),
              _ranked("e", "expression.ingredient"), _ranked("f", "off_by_one"),
              _ranked("g", "return.value"), _ranked("h", "statement.insert_donor")]
    evidence = {"a": _evidence(3, 3, 0, "a"),     # inert: dropped
                "b": _evidence(3, 3, 1, "b"),     # class 0, targeted (a better key than f's)
                "c": _evidence(3, 3, 0, "c"),     # inert, not speculative: kept, validated last
                "d": _evidence(3, 2, 0, "d"),     # not every run evaluated: class 1, at its rank
                "f": _evidence(3, 3, 2, "f"),     # class 0, sweeping
                "g": _evidence(3, 2, 0, "g"),     # class 1; "e": no evidence (class 1)
                "h": _evidence(3, 3, 3, "h")}     # class 0, sweeping, like f: behind it
    kept = [r.candidate.id for r in place_speculative(ranked, evidence, SPECULATIVE)]
    assert kept == ["b", "f", "h", "d", "g", "e", "c"]
    monkeypatch.setattr("agent.rank.probe.evidence.SPECULATIVE_FRONT", 1)    # b alone in front, d in rank
    kept = [r.candidate.id for r in place_speculative(ranked, evidence, SPECULATIVE)]
    assert kept == ["b", "f", "d", "g", "h", "e", "c"]
    core = [r for r in ranked if r.candidate.template not in SPECULATIVE]
    assert [r.candidate.id for r in order_by_evidence(core, evidence)] == ["f", "g", "c"]
    no_probe = [r.candidate.id for r in place_speculative(ranked, {}, SPECULATIVE)]
    assert no_probe == ["c", "f", "g", "a", "b", "d", "e", "h"]


def _fix(root: Path) -> dict:
    code, out, err = remedy_json("fix", "--root", str(root), "--time-budget", "30",
                                 timeout=120)
    assert code == 0, (out, err[-2000:])
    assert out["status"] == "fixed"
    return out


def test_end_to_end_a_callable_called_on_the_unused_lambda_parameters(tmp_path: Path):
    """Item 2: `lambda attr, value: not test` never calls `test`; no other kind fixes it."""
    root = write_project(tmp_path / "filters", {
        "filters.py": """
            import operator

            OPERATORS = {
                "=": operator.eq,
                "^=": lambda attr, value: attr.startswith(value),
                "$=": lambda attr, value: attr.endswith(value),
            }


            def string_filter(op, negate=False):
                test = OPERATORS[op]
                if negate:
                    return lambda attr, value: not test
                return test
            """,
        "test_filters.py": """
            from filters import string_filter


            def test_plain():
                assert string_filter("^=")("abc", "a")
                assert not string_filter("$=")("abc", "a")


            def test_negated():
                assert string_filter("^=", negate=True)("abc", "x") is True
                assert string_filter("^=", negate=True)("abc", "a") is False
            """,
    })
    out = _fix(root)
    assert "+        return lambda attr, value: not test(attr, value)\n" in out["patch"]


def test_end_to_end_a_guard_from_a_sibling_function_rebound(tmp_path: Path):
    """Item 3: `bool_option` lacks the `if x is None: return []` that `flag_option` has, for its
    own variable (assigned from the same `params.get(param)`)."""
    root = write_project(tmp_path / "options", {
        "options.py": """
            def flag_option(params, name, param):
                value = params.get(param)
                if value is None:
                    return []
                return [name, str(value)]


            def bool_option(params, name, param, true="true", false="false"):
                flag = params.get(param)
                assert isinstance(flag, bool)
                return [name, true if flag else false]
            """,
        "test_options.py": """
            from options import bool_option, flag_option


            def test_flag():
                assert flag_option({"v": 3}, "--v", "v") == ["--v", "3"]
                assert flag_option({}, "--v", "v") == []


            def test_bool_set():
                assert bool_option({"c": True}, "--c", "c") == ["--c", "true"]
                assert bool_option({"c": False}, "--c", "c", "yes", "no") == ["--c", "no"]


            def test_bool_missing():
                assert bool_option({}, "--c", "c") == []
            """,
    })
    out = _fix(root)
    assert "+    if flag is None:\n+        return []\n" in out["patch"]


def test_speculative_candidates_the_probe_saw_run_but_could_not_judge_keep_their_rank(monkeypatch):
    """`str_op` -> `str_op(attr, value)` is a call the probe must not make: its line ran, nothing
    was evaluated. The best ranked SPECULATIVE_FRONT such candidates validate at their rank among
    the other kinds' class 1; the rest after them."""
    ranked = [_ranked("x", "expression.ingredient"), _ranked("z", "off_by_one"),
              _ranked("y", "expression.ingredient"), _ranked("w", "return.value")]
    evidence = {cid: _evidence(3, 0, 0, cid) for cid in "xyzw"}
    monkeypatch.setattr("agent.rank.probe.evidence.SPECULATIVE_FRONT", 1)
    assert [r.candidate.id for r in place_speculative(ranked, evidence, SPECULATIVE)] == ["x", "z", "w", "y"]
    unreached = {**evidence, "x": _evidence(0, 0, 0, "x")}      # class 3: behind, y takes its turn
    assert [r.candidate.id for r in place_speculative(ranked, unreached, SPECULATIVE)] == ["z", "y", "w", "x"]
