"""Literals from the failing assertion (issue 22, item 5): reading the compared values, aligning
them, writing a literal back in its own quoting, the regex edits, and the two templates on small
realistic bugs; the report plugin's capture of the compared values in a real pytest run."""
from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from agent.ast.nodes import walk
from agent.ast.parser import parse
from agent.generate.align import Alignment, changed_chars
from agent.generate.generator import generate_candidates
from agent.generate.mentions import failing_test_strings
from agent.generate.mismatch import Mismatch, mismatches
from agent.generate.regex_edits import MAX_EDITS, pattern_edits
from agent.generate.strings import string_literal
from agent.diff import apply_edits, apply_spans
from agent import types
from agent.types import Outcome, SuspiciousLine


# -- the compared values ---------------------------------------------------------------------------
@pytest.mark.parametrize("message, first", [
    ("AssertionError: assert 'a-b' == 'a_b'\n  \n  - a_b\n  + a-b", Mismatch("a-b", "a_b")),
    ("AssertionError: 'a-b' != 'a_b'\n- a-b\n?  ^\n+ a_b\n?  ^", Mismatch("a-b", "a_b")),
    ("AssertionError: 13 != 15", Mismatch(13, 15)),
    ("AssertionError: assert ['a-b', 'x'] == ['a_b', 'x']\n  \n  At index 0 diff: 'a-b' != 'a_b'",
     Mismatch("a-b", "a_b")),
    # pytest elides reprs past ~30 characters: the diff lines hold the whole texts ("-" expected)
    ("AssertionError: assert 'aaaaaaaaaaaa...aaaaaaaaaaa-b' == 'aaaaaaaaaaaa...aaaaaaaaaaa_b'\n  \n"
     f"  - {'a' * 40}_b\n  ?{' ' * 41}^\n  + {'a' * 40}-b\n  ?{' ' * 41}^", Mismatch("a" * 40 + "-b", "a" * 40 + "_b")),
    # unittest shortens with [N chars]: its ndiff lines hold them ("-" first)
    (f"AssertionError: 'aaaa[40 chars]a-b' != 'aaaa[40 chars]a_b'\n- {'a' * 44}-b\n?{' ' * 45}^\n"
     f"+ {'a' * 44}_b\n?{' ' * 45}^", Mismatch("a" * 44 + "-b", "a" * 44 + "_b")),
])
def test_mismatch_from_messages(message, first):
    found = mismatches(message)
    assert found[0] == first and Mismatch(first.expected, first.actual) in found


def test_captured_values_come_first_and_containers_pair_their_elements():
    found = mismatches("AssertionError: assert [...] == [...]",
                       [("['x', {'k': 'a-b', 'n': 1}, (3,)]", "['x', {'k': 'a_b', 'n': 1}, (4,)]")])
    assert found[:2] == (Mismatch("a-b", "a_b"), Mismatch(3, 4))


def test_no_mismatch_from_elided_or_unrelated_messages():
    assert mismatches("AssertionError: assert 'aaaaaaaaaaaa...aaaaaaaaaaa-b' == 'x'") == ()
    assert mismatches("AssertionError: False is not true") == ()
    assert mismatches("", [("<object>", "'x'")]) == ()


# -- alignment ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("actual, expected, piece, target", [
    ("a-b-c", "a_b_c", "-", "_"),                          # a separator, wrong everywhere
    ("run --foo x", "run --foo-bar x", "--foo", "--foo-bar"),   # a flag missing its suffix
    ("3 items", "3 new items", " items", " new items"),    # the word a format string lost
    ("ab", "a-b", "", "-"),                                # an empty separator
])
def test_alignment_targets(actual, expected, piece, target):
    assert Alignment(actual, expected).targets(piece)[0] == target


def test_alignment_of_long_outputs_diffs_line_by_line_first():
    actual = "".join(f"line {i}: value-{i}\n" for i in range(2000))
    expected = actual.replace("value-1500\n", "value_1500\n")
    alignment = Alignment(actual, expected)
    assert alignment.targets("value-") == ["value_"]
    assert changed_chars(actual, expected) == "-_"


def test_alignment_ignores_occurrences_in_unchanged_text():
    assert Alignment("a-b c-d", "a-b c_d").targets("-") == ["_"]
    assert Alignment("same", "other").targets("zzz") == []
    assert changed_chars("&a&quot;", '&a"') == '&quot;"'


# -- writing a literal back ------------------------------------------------------------------------
def _literals(src: str):
    data = src.encode()
    return data, [string_literal(n, data) for n in walk(parse(data).root_node) if n.type == "string"]


def test_string_rewrite_keeps_quoting_escapes_and_fields():
    data, (raw, fstr, escaped, empty) = _literals(
        'x = (r"a\\d[^;]+", f"{n} items {{x}}", "t\\tab-c", "")\n')
    assert raw.value == "a\\d[^;]+" and fstr.value is None and escaped.value == "t\tab-c"
    assert [p.value for p in fstr.pieces] == [" items {x}"]
    edits = [raw.pieces[0].rewrite("a\\d[^&;]+"), fstr.pieces[0].rewrite(" new items {x}"),
             escaped.pieces[0].rewrite("t\tab_c"), empty.pieces[0].rewrite("'")]
    assert apply_spans(data, edits).decode() == \
        'x = (r"a\\d[^&;]+", f"{n} new items {{x}}", "t\\tab_c", "\'")\n'
    assert raw.pieces[0].rewrite('"') is None                  # a raw string cannot hold its quote


# -- regular expressions ---------------------------------------------------------------------------
def test_regex_edits_cover_the_usual_pattern_bugs():
    edits = dict(pattern_edits(r"&([^;]+;)", hints="&quot;"))
    assert r"&([^&;]+;)" in edits                    # a negated class one character too wide
    assert r"&([^;]*;)" in edits                     # + -> *
    assert r"&([^;]+;)?" in edits                    # a group made optional
    narrowed = [new for new, _ in pattern_edits(r"//[^/]+/(?:[^/?#]+/)?([^/?#]+)")]
    assert r"//[^/]+/(?:[^?#]+/)?([^/?#]+)" in narrowed       # ... and one too narrow
    bounded = [new for new, _ in pattern_edits("(?x)\n  a+ |\n  (?:0[xX][0-9a-f]+)\n")]
    assert "(?x)\n  a+ |\n  \\b(?:0[xX][0-9a-f]+)\n" in bounded   # \b at a branch of a verbose pattern


def test_regex_edits_compile_and_stay_bounded():
    pattern = r"^(?P<a>[a-z_$,]+)\((?P<b>[a-zA-Z0-9_$,]*?)\)(?:\.(\w+))?\s*[;,]?$"
    edits = pattern_edits(pattern, hints="xyz!@")
    assert 0 < len(edits) <= MAX_EDITS
    for new, _ in edits:
        re.compile(new)
    assert pattern_edits("unbalanced (") == []


# -- the templates on small bugs --------------------------------------------------------------------
def _fixes(buggy: str, line: int, *, message: str = "", compared=(), strings=()) -> dict[str, str]:
    src = textwrap.dedent(buggy).encode()
    cands = generate_candidates({"m.py": src}, [SuspiciousLine("m.py", line, 1.0)], max_candidates=1000,
                                message=message, compared=compared, test_strings=strings)
    return {apply_edits({"m.py": src}, c.edits)["m.py"].decode(): c.template for c in cands}


LITERAL_CASES = [
    ("separator", """
        def slug(words):
            return "-".join(w.lower() for w in words)
        """, 3, {"compared": [("'big-red-car'", "'big_red_car'")]},
     '"-".join', '"_".join'),
    ("flag suffix", """
        def command(src, codec):
            return ["ffmpeg", "-i", src, "-c", codec]
        """, 3, {"compared": [("['ffmpeg', '-i', 'a.mp4', '-c', 'x264']",
                               "['ffmpeg', '-i', 'a.mp4', '-c:v', 'x264']")]},
     '"-c", codec', '"-c:v", codec'),
    ("format word", """
        def summary(n):
            return "%d items" % n
        """, 3, {"message": "AssertionError: assert '3 items' == '3 new items'"},
     '"%d items"', '"%d new items"'),
    ("module constant", """
        SEPARATOR = "_"

        def key(a, b):
            return a + "-" + b
        """, 5, {"compared": [("'a-b'", "'a_b'")]},
     'a + "-" + b', "a + SEPARATOR + b"),
    ("os.sep", """
        import os

        def win_path(parts):
            return "\\\\".join(parts)
        """, 5, {"compared": [("'a\\\\\\\\b'", "'a/b'")]},
     '"\\\\".join', "os.sep.join"),
    ("substring too short", """
        def is_long_option(arg):
            return arg.startswith("-")
        """, 3, {"message": "AssertionError: assert {'': True} == {'v': True}", "strings": ["--all", "-v"]},
     'startswith("-")', 'startswith("--")'),
    ("number in text", """
        def banner():
            return "width=%d" % 80
        """, 3, {"compared": [("'width=80'", "'width=100'")]},
     "% 80", "% 100"),
]


@pytest.mark.parametrize("name, buggy, line, given, before, after", LITERAL_CASES,
                         ids=[c[0] for c in LITERAL_CASES])
def test_literal_expected(name, buggy, line, given, before, after):
    fixes = _fixes(buggy, line, **given)
    fixed = textwrap.dedent(buggy).replace(before, after)
    assert fixes.get(fixed) == "literal.expected", sorted(fixes)


def test_literal_expected_needs_a_failure_that_points_at_the_literal():
    buggy = """
        def slug(words):
            return "-".join(words)
        """
    assert "literal.expected" not in _fixes(buggy, 3).values()
    assert "literal.expected" not in _fixes(buggy, 3, compared=[("'ab'", "'cd'")]).values()


def test_regex_edit_widens_a_class_from_the_mismatch():
    buggy = """
        import re

        def unescape(s):
            return re.sub(r'&([^;]+;)', lambda m: ENTITIES.get(m.group(1), m.group(0)), s)
        """
    fixes = _fixes(buggy, 5, compared=[("'&a&quot;'", "'&a\"'")])
    assert fixes.get(textwrap.dedent(buggy).replace("[^;]", "[^&;]")) == "regex.edit"


def test_regex_edit_only_touches_patterns():
    buggy = """
        def greet(name):
            return "Hello [%s]+" % name
        """
    assert "regex.edit" not in _fixes(buggy, 3, compared=[("'Hello [x]+'", "'Hello [y]+'")]).values()


def test_strings_of_the_failing_test_function(tmp_path: Path):
    (tmp_path / "t.py").write_text(textwrap.dedent('''
        def helper():
            return "not this one"

        class TestFlags:
            def test_parse(self):
                """Docstrings count too; harmless."""
                assert parse(["--all", "-v"]) == {"all": True}
        '''))
    failing = [types.TestResult("t.py::TestFlags::test_parse", Outcome.FAILED)]
    found = failing_test_strings(lambda rel: (tmp_path / rel).read_bytes(), failing)
    assert "--all" in found and "-v" in found and "not this one" not in found


# -- the report plugin's capture --------------------------------------------------------------------
def test_report_captures_both_sides_of_the_failed_comparison(tmp_path: Path):
    from agent.testing.runner import PytestRunner

    (tmp_path / "test_cap.py").write_text(textwrap.dedent('''
        import unittest

        LONG = "x" * 60

        def test_plain():
            assert LONG + "-b" == LONG + "_b"

        def test_object():
            assert object() == 3

        class Case(unittest.TestCase):
            def test_equal(self):
                self.assertEqual([LONG, "-c"], [LONG, "-c:v"])
        '''))
    report = PytestRunner(timeout=30, env={"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}).run(tmp_path, ["test_cap.py"])
    got = {r.test_id.split("::")[-1]: r.compared for r in report.results}
    long = "x" * 60
    assert got["test_plain"] == (repr(long + "-b"), repr(long + "_b"))
    assert got["test_equal"] == (repr([long, "-c"]), repr([long, "-c:v"]))
    assert got["test_object"] == ()


# -- the probe's view of a pattern edit ------------------------------------------------------------
def test_a_disturbing_candidate_does_not_make_its_better_twin_a_duplicate():
    """Two edits of one pattern give the failing run the same values; the better-ranked one also
    changes the passing tests' values, so the other — which does not — still goes first."""
    from agent.rank.probe import Evidence, ProbeSite, order_by_evidence
    from agent.rank import Ranked
    from agent.types import Candidate

    def ev(cid, p_differed):
        return Evidence(4, 4, 2, 3, p_differed, "same", ProbeSite(cid, "m.py", 1, "re.sub(p, f, s)", "y"),
                        matches=1)
    ranked = [Ranked(Candidate((), "regex.edit", "m.py", 1, id=c), energy=float(i))
              for i, c in enumerate(["unknown", "wide", "narrow", "twin"])]
    evidence = {"wide": ev("wide", 3), "narrow": ev("narrow", 0), "twin": ev("twin", 0)}
    assert [r.candidate.id for r in order_by_evidence(ranked, evidence)] == ["narrow", "unknown", "wide", "twin"]


def test_regex_edit_follows_a_name_to_its_pattern():
    """The pattern is a class constant, bound at import: the edit lands on its line."""
    buggy = """
        import re

        class Extractor:
            _VALID_URL = r'https?://(?:www\\.)?example\\.com/(?:[^#?]*#!/)?watch/(?P<id>[0-9]+)'

            @classmethod
            def suitable(cls, url):
                return re.match(cls._VALID_URL, url) is not None
        """
    fixes = _fixes(buggy, 9)
    assert fixes.get(textwrap.dedent(buggy).replace("[^#?]", "[^#]")) == "regex.edit"


def test_literal_expected_uses_the_parameter_a_literal_hardcodes():
    buggy = """
        import re

        def slug(text, sep="-"):
            return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
        """
    fixes = _fixes(buggy, 5, compared=[("'big-red-car'", "'big_red_car'")])
    both = textwrap.dedent(buggy).replace('"-", text', "sep, text").replace('strip("-")', "strip(sep)")
    assert fixes.get(both) == "literal.expected"
