"""Conditions by angelic values: the synthesis over hand-made observations, the suspicious
conditions and their instrumented sources, the forcing in a real warm worker, and hand-made projects
fixed end to end through the real CLI."""
from __future__ import annotations

import ast
import textwrap
import time
from pathlib import Path

import pytest

from agent.generate.angelic import (KIND, Observation, Value, angelic_candidates, angelic_request, atoms,
                                  condition_sites, synthesize)
from agent.generate.angelic.sites import instrumented
from agent.testing.pool import ValidationPool
from agent.testing.runner import PytestRunner
from agent.types import SuspiciousLine

from conftest import remedy_json


def num(x) -> Value:
    return Value("i", x, truth=bool(x), classes=("int",))


NONE = Value("N", truth=False)


def texts(condition, observations, terms, numbers=(0, 1), strings=(), own=None, **kw) -> list[str]:
    pool = atoms(observations, terms, numbers, strings, frozenset(own if own is not None else terms[:1]),
                 condition=condition, **kw)
    return [s.text for s in synthesize(condition, observations, pool)]


# -- synthesis -------------------------------------------------------------------------------------

def test_a_missing_conjunct_is_added_to_the_condition():
    obs = [Observation({"x": num(x), "limit": num(5)}, x > 0, wanted)
           for x, wanted in [(1, True), (3, True), (5, False), (0, False), (-2, False), (7, True)]]
    found = texts("x > 0", obs, ["x", "limit"])
    assert found[0] == "x > 0 and x != limit"
    assert "x > 0 and x < limit" not in found          # 7 must still hold


def test_a_wrong_bound_becomes_the_bound_the_outcomes_need():
    obs = [Observation({"days": num(d), "GRACE": num(3)}, d <= 0, wanted)
           for d, wanted in [(0, True), (2, True), (3, True), (4, False), (10, False)]]
    found = texts("days <= 0", obs, ["days", "GRACE"], numbers=(0, 2, 30, 1))
    assert found[0] == "days <= GRACE"
    assert "days <= 0 or days <= GRACE" in found        # the same, spelt as a disjunct, comes later


def test_a_missing_none_check_goes_in_front():
    obs = [Observation({"value": v, "fallback": f}, bool(f.truth), wanted)
           for v, f, wanted in [(NONE, num(3), True), (num(0), num(3), False), (num(5), num(0), False),
                                (NONE, num(0), False)]]
    found = texts("fallback", obs, ["fallback", "value"])
    assert found[0] == "value is None and fallback"


def test_a_comparison_that_would_raise_on_none_needs_its_guard_first():
    obs = [Observation({"size": s}, False, wanted)
           for s, wanted in [(NONE, False), (num(4), True), (num(1), False), (NONE, False)]]
    found = texts("False", obs, ["size"], numbers=(2,), own=[])
    assert "size > 2" not in found and "size >= 2" not in found     # None > 2 raises
    assert "size is not None and size > 2" in found


def test_isinstance_strings_and_lengths():
    def s(text):
        return Value("s", text, length=len(text), truth=bool(text), classes=("str",))
    obs = [Observation({"arg": v}, v.kind == "N", wanted)
           for v, wanted in [(s("12"), False), (num(7), True), (NONE, True)]]
    assert "not isinstance(arg, str)" in texts("arg is None", obs, ["arg"])
    obs = [Observation({"flag": s(f)}, False, f == "--all") for f in ("--all", "-a", "--none")]
    assert texts("False", obs, ["flag"], strings=("--all", "-v"), own=[])[0] == "flag == '--all'"
    obs = [Observation({"i": num(i), "items": Value("c", length=3, truth=True, classes=("list",))},
                       i <= 3, i < 3) for i in range(5)]
    assert "i < len(items)" in texts("i <= len(items)", obs, ["i", "items"])


def test_nothing_is_synthesized_when_no_atom_fits_or_nothing_must_change():
    obs = [Observation({"x": num(1)}, True, True), Observation({"x": num(1)}, True, False)]
    assert texts("x", obs, ["x"]) == []                  # the same values, two outcomes
    obs = [Observation({"x": num(1)}, True, True)]
    assert texts("x", obs, ["x"]) == []                  # nothing to change


def test_a_boolean_return_gets_no_bare_non_boolean_term():
    obs = [Observation({"n": num(n)}, n > 1, n > 0) for n in (0, 1, 2, 3)]
    found = texts("n > 1", obs, ["n"], boolean_only=True)
    assert found[0] == "n > 0"
    assert "n" not in found and "n > 1 or n" not in found


# -- sites -----------------------------------------------------------------------------------------

SITE_SRC = textwrap.dedent('''\
    LIMIT = 10


    def pick(items, key, default=None):
        """Docstring."""
        found = default
        for item in items:
            if item.key == key and len(item.tags) > 2:
                found = item
                break
        while found is not None and found.parent:
            found = found.parent
        return found if found else default


    def positive(n):
        return n > 0


    FLAG = 1 if LIMIT > 3 else 0
    ''')


def test_sites_are_the_suspicious_conditions_with_their_terms_and_constants():
    files = {"m.py": SITE_SRC.encode()}
    sites = condition_sites(files, [SuspiciousLine("m.py", 9, 0.9), SuspiciousLine("m.py", 17, 0.8),
                                    SuspiciousLine("m.py", 20, 0.7), SuspiciousLine("m.py", 11, 0.5)])
    assert [(s.line, s.kind) for s in sites] == [(8, "if"), (17, "return"), (11, "while")]
    first = sites[0]
    assert first.text == "item.key == key and len(item.tags) > 2"      # governs the suspicious line 9
    assert first.terms[:4] == ("item.key == key", "item.key", "item", "key")
    assert "len(item.tags)" in first.terms and "items" in first.terms and "LIMIT" in first.terms
    assert first.numbers[:1] == (2,) and 0 in first.numbers
    assert "len" not in first.terms                                     # a callee is no term


def test_the_instrumented_source_keeps_every_line_and_calls_the_hook():
    files = {"m.py": SITE_SRC.encode()}
    sites = condition_sites(files, [SuspiciousLine("m.py", 8, 1.0), SuspiciousLine("m.py", 13, 0.5)])
    out = instrumented(sites, files)["m.py"].decode()
    assert out.count("\n") == SITE_SRC.count("\n")
    assert "if __remedy_cond__(0, thunk=lambda: (item.key == key and len(item.tags) > 2)):" in out
    assert "return found if __remedy_cond__(1, thunk=lambda: (found)) else default" in out
    ast.parse(out)


def _seen(passed: bool, actual: bool, returned: bool, env: list) -> dict:
    """One test's record in a worker answer: site 0 evaluated once."""
    return {"passed": passed, "sites": {"0": {"n": 1, "obs": [[1, actual, returned, env]]}}}


def _answer(passing: dict, failing: dict, forced: dict, mode: str) -> dict:
    """A worker answer: as recorded (`passing` and `failing` tests), and one plan's run (`forced`)."""
    return {"record": {"tests": {**passing, **failing}},
            "plans": [{"site": 0, "mode": mode, "tests": forced}]}


def test_a_last_elif_that_must_always_hold_becomes_else():
    src = b"def side(v, r):\n    if v < r:\n        return 'left'\n    elif v > r:\n        return 'right'\n"
    files = {"t.py": src}
    request = angelic_request(files, [SuspiciousLine("t.py", 4, 1.0)], ["f"], ["p"], {})
    def env(v, r):
        return [{"k": "i", "v": v, "t": bool(v)}, {"k": "i", "v": r, "t": bool(r)}]
    answer = _answer({"p": _seen(True, True, True, env(5, 3))}, {"f": _seen(False, False, False, env(3, 3))},
                     {"f": _seen(True, False, True, env(3, 3))}, "true")
    first = angelic_candidates(request, answer, files)[0]
    assert first.edits[0].text == "else:" and first.template == KIND
    assert b"    else:\n        return 'right'" in src[:first.edits[0].start] + b"else:" + src[first.edits[0].end:]


def test_a_negated_conditional_expression_swaps_its_branches():
    src = b"def pick(flag, a, b):\n    return a if flag else b\n"
    files = {"t.py": src}
    request = angelic_request(files, [SuspiciousLine("t.py", 2, 1.0)], ["f"], [], {})
    env = [{"k": "b", "v": True, "t": True}]
    answer = _answer({}, {"f": _seen(False, True, True, env)}, {"f": _seen(True, True, False, env)}, "negate")
    texts = [c.edits[0].text for c in angelic_candidates(request, answer, files)]
    assert texts[0] == "b if flag else a"


# -- forcing in a real warm worker -----------------------------------------------------------------

COUNT_SRC = textwrap.dedent('''\
    def countdown(n):
        """n, n - 1, ..., 0."""
        out = []
        while n > 0:
            out.append(n)
            n -= 1
        return out
    ''')
COUNT_TESTS = textwrap.dedent('''\
    from pkg.count import countdown


    def test_down_to_zero():
        assert countdown(2) == [2, 1, 0]


    def test_negative_is_empty():
        assert countdown(-1) == []


    def test_minus_five():
        assert countdown(-5) == []
    ''')
FAILING = "tests/test_count.py::test_down_to_zero"
PASSING = ["tests/test_count.py::test_negative_is_empty", "tests/test_count.py::test_minus_five"]


def _count_project(root: Path, source: str) -> dict[str, bytes]:
    (root / "pkg").mkdir()
    (root / "pkg" / "__init__.py").write_text("")
    (root / "pkg" / "count.py").write_text(source)
    (root / "tests").mkdir()
    (root / "tests" / "test_count.py").write_text(COUNT_TESTS)
    return {"pkg/count.py": source.encode()}


def test_forcing_in_a_real_worker_finds_the_outcomes_and_the_condition(tmp_path):
    files = _count_project(tmp_path, COUNT_SRC)
    request = angelic_request(files, [SuspiciousLine("pkg/count.py", 4, 1.0)], [FAILING], PASSING)
    assert request is not None and request.tests == (FAILING, *PASSING)
    runner = PytestRunner(timeout=20, env={"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"})
    with ValidationPool(tmp_path, ["tests/test_count.py"], runner, workers=1) as pool:
        began = time.monotonic()
        answer = pool.angelic(request.files, request.spec, request.tests, 20.0)
        took = time.monotonic() - began
    assert answer is not None
    record = answer["record"]["tests"]
    assert not record[FAILING]["passed"] and all(record[t]["passed"] for t in PASSING)
    seen = record[FAILING]["sites"]["0"]
    assert seen["n"] == 3 and [o[1] for o in seen["obs"]] == [True, True, False]
    assert [o[3][0]["v"] for o in seen["obs"]] == [2, 1, 0]          # `n` at each evaluation
    modes = {run["mode"]: run["tests"][FAILING]["passed"] for run in answer["plans"]}
    assert modes["last"] is True and modes["true"] is False          # `true` loops: stopped, not hung
    assert "false" in modes and "first" in modes
    assert took < 15
    found = angelic_candidates(request, answer, files)
    assert found and {c.template for c in found} == {KIND}
    assert "n >= 0" in [c.edits[0].text for c in found]


def test_a_module_the_worker_cannot_hot_patch_is_forced_in_a_fresh_worker(tmp_path):
    source = "import enum\n\n\nclass Mode(enum.Enum):\n    UP = 1\n\n\n" + COUNT_SRC   # a metaclass
    files = _count_project(tmp_path, source)
    line = source.splitlines().index("    while n > 0:") + 1
    request = angelic_request(files, [SuspiciousLine("pkg/count.py", line, 1.0)], [FAILING], PASSING)
    runner = PytestRunner(timeout=20, env={"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"})
    with ValidationPool(tmp_path, ["tests/test_count.py"], runner, workers=1) as pool:
        answer = pool.angelic(request.files, request.spec, request.tests, 30.0)
        assert (tmp_path / "pkg" / "count.py").read_text() == source            # the user's copy
        assert (pool._slots[0].sandbox.path / "pkg" / "count.py").read_text() == source   # restored
    assert answer is not None
    assert "n >= 0" in [c.edits[0].text for c in angelic_candidates(request, answer, files)]


NEWLINE_SRC = textwrap.dedent('''\
    def ensure_newline(text):
        if text[-1] != "\\n":
            text += "\\n"
        return text
    ''')
NEWLINE_TESTS = textwrap.dedent('''\
    from pkg.lines import ensure_newline


    def test_adds_one():
        assert ensure_newline("a") == "a\\n"


    def test_keeps_one():
        assert ensure_newline("a\\n") == "a\\n"


    def test_empty():
        assert ensure_newline("") == "\\n"
    ''')


def test_a_condition_that_raises_can_be_forced_and_guarded(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "lines.py").write_text(NEWLINE_SRC)
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_lines.py").write_text(NEWLINE_TESTS)
    files = {"pkg/lines.py": NEWLINE_SRC.encode()}
    failing = "tests/test_lines.py::test_empty"
    passing = ["tests/test_lines.py::test_adds_one", "tests/test_lines.py::test_keeps_one"]
    request = angelic_request(files, [SuspiciousLine("pkg/lines.py", 2, 1.0)], [failing], passing)
    runner = PytestRunner(timeout=20, env={"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"})
    with ValidationPool(tmp_path, ["tests/test_lines.py"], runner, workers=1) as pool:
        answer = pool.angelic(request.files, request.spec, request.tests, 20.0)
    assert answer is not None
    seen = answer["record"]["tests"][failing]["sites"]["0"]["obs"]
    assert [o[1] for o in seen] == [None]                           # `text[-1]` raised
    modes = {run["mode"]: run["tests"][failing]["passed"] for run in answer["plans"]}
    assert modes == {"true": True, "false": False}                   # the flips have nothing to flip
    texts = [c.edits[0].text for c in angelic_candidates(request, answer, files)]
    assert texts[0] == 'not text or text[-1] != "\\n"'


def test_no_request_without_a_suspicious_condition():
    files = {"m.py": b"def f(x):\n    return x + 1\n"}
    assert angelic_request(files, [SuspiciousLine("m.py", 2, 1.0)], ["t.py::test"], []) is None


# -- hand-made projects through the real CLI -------------------------------------------------------

PROJECTS = {
    "missing-conjunct": ({
        "walk/__init__.py": "",
        "walk/steps.py": '''\
            def step(position, limit):
                """One step right from `position`, unless it stands on the wall square `limit`;
                positions below 1 stay where they are."""
                if position > 0:
                    return position + 1
                return position
            ''',
        "tests/test_steps.py": '''\
            from walk.steps import step


            def test_moves_right():
                assert step(3, 10) == 4


            def test_stops_at_the_wall():
                assert step(10, 10) == 10


            def test_zero_stays():
                assert step(0, 10) == 0


            def test_negative_stays():
                assert step(-1, 5) == -1


            def test_past_the_wall_moves_on():
                assert step(12, 10) == 13
            ''',
    }, "if position > 0 and position != limit:"),
    "wrong-constant": ({
        "fees/__init__.py": "",
        "fees/late.py": '''\
            GRACE_DAYS = 3
            DAILY_FEE = 2


            def late_fee(days_late, member):
                """Nothing within the grace period; members pay half; at most 30 days count."""
                if days_late > 30:
                    days_late = 30
                if days_late <= 0:
                    return 0
                fee = days_late * DAILY_FEE
                return fee // 2 if member else fee
            ''',
        "tests/test_late.py": '''\
            from fees.late import late_fee


            def test_on_time():
                assert late_fee(0, False) == 0


            def test_within_grace():
                assert late_fee(2, False) == 0


            def test_last_day_of_grace():
                assert late_fee(3, False) == 0


            def test_after_grace():
                assert late_fee(5, False) == 10


            def test_member_half():
                assert late_fee(10, True) == 10


            def test_capped():
                assert late_fee(45, False) == 60
            ''',
    }, "if days_late <= GRACE_DAYS:"),
    "missing-none-check": ({
        "conf/__init__.py": "",
        "conf/merge.py": '''\
            def setting(value, fallback):
                """`value` unless it was not given (None), then `fallback`; a falsy value given on
                purpose (0, "", False) is kept."""
                result = value
                if fallback:
                    result = fallback
                return result
            ''',
        "tests/test_merge.py": '''\
            from conf.merge import setting


            def test_missing_takes_fallback():
                assert setting(None, 3) == 3


            def test_given_zero_is_kept():
                assert setting(0, 3) == 0


            def test_given_value_is_kept():
                assert setting(5, 0) == 5


            def test_empty_string_is_kept():
                assert setting("", "x") == ""


            def test_missing_takes_a_falsy_fallback_too():
                assert setting(None, 0) == 0
            ''',
    }, "if value is None:"),
}


@pytest.mark.parametrize("name", sorted(PROJECTS))
def test_hand_made_condition_bugs_are_fixed_through_the_cli(tmp_path, name):
    sources, expected = PROJECTS[name]
    for rel, text in sources.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    code, result, stderr = remedy_json("fix", "--root", str(tmp_path), "--time-budget", "30")
    assert code == 0 and result["status"] == "fixed", stderr
    assert "(from angelic values)" in result["message"]
    assert f"+    {expected}" in result["patch"], result["patch"]


def test_a_negated_comparison_reads_as_python_writes_it():
    """`self is PY27` negated is `self is not PY27`, not `not self is PY27`; `==` becomes `!=`, `in`
    `not in`; an ordering keeps its `not` (NaN), and `not C` loses it."""
    obs = [Observation({}, True, False), Observation({}, False, True)]
    for condition, negated in [("self is TargetVersion.PY27", "self is not TargetVersion.PY27"),
                               ("a.b == 'x'", "a.b != 'x'"), ("k not in seen", "k in seen"),
                               ("x < y", "not x < y"), ("not ready", "ready")]:
        found = [s.text for s in synthesize(condition, obs, []) if s.shape == "negate"]
        assert found == [negated], condition
