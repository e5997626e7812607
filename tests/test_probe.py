"""The value probe: which expression each candidate would change (static), what one traced run of
the failing and passing tests says about it (a real warm worker), and the order that follows."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from agent.rank.probe import Evidence, ProbeSite, order_by_evidence, probe_request, probe_sites
from agent.rank.probe.evidence import STATS_FIELDS
from agent.rank import Ranked
from agent.testing.pool import ValidationPool
from agent.testing.runner import PytestRunner
from agent.types import Candidate, Edit

SRC = textwrap.dedent('''\
    LIMIT = 10


    def clamp(values, low):
        out = []
        for v in values:
            if v < low:
                out.append(low)
            else:
                out.append(min(v, LIMIT))
        return out


    def shout(words):
        return [w.upper() for w in words]


    def alias(base):
        result = base
        return result


    def total(items):
        return sum(items) + helper(items)


    def helper(items):
        return 0
    ''')
TESTS = textwrap.dedent('''\
    from pkg.mod import alias, clamp, total


    def test_clamp_raises_to_low():
        assert clamp([1, 5], 3) == [3, 5]


    def test_clamp_caps():
        assert clamp([50], 0) == [10]


    def test_alias_is_a_copy():
        base = {"a": 1}
        alias(base)["b"] = 2
        assert base == {"a": 1}


    def test_total():
        assert total([1, 2]) == 3
    ''')


def cand(cid: str, old: str, new: str, nth: int = 0) -> Candidate:
    data = SRC.encode()
    start = -1
    for _ in range(nth + 1):
        start = data.index(old.encode(), start + 1)
    return Candidate((Edit("pkg/mod.py", start, start + len(old.encode()), new),), "t", "pkg/mod.py",
                     SRC[:start].count("\n") + 1, id=cid)


FILES = {"pkg/mod.py": SRC.encode()}


def run_probe(root: Path, cands, files, failing, coverage=None, extra=()) -> tuple[dict, list[str]]:
    """Probe `cands` in a real warm worker on the project at `root`: (evidence by id, tests asked)."""
    sites, payload, tests = probe_request(cands, files, failing, coverage or {})
    test_files = sorted({t.partition("::")[0] for t in [*tests, *extra]})
    runner = PytestRunner(timeout=20, env={"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"})
    with ValidationPool(root, test_files, runner, workers=1) as pool:
        stats = pool.probe(payload, failing, [*tests, *extra], 20.0)
    assert stats is not None
    by_id = {s.candidate_id: s for s in sites}
    return {cid: Evidence.from_stats(v, by_id[cid]) for cid, v in stats.items()}, tests


def site_of(c: Candidate):
    found = probe_sites([c], FILES)
    return found[0] if found else None


def test_sites_take_the_largest_pure_enclosing_expression():
    s = site_of(cand("a", "low", "low + 1", nth=1))   # the `low` of `v < low`: an `if` test, so its truth
    assert (s.line, s.before, s.after) == (7, "bool(v < low)", "bool(v < low + 1)")
    s = site_of(cand("t", "v < low", "v < low or v"))  # differs from `v < low` only where the truth does
    assert (s.before, s.after) == ("bool(v < low)", "bool(v < low or v)")
    s = site_of(cand("b", "min", "max"))              # a callee: compare the calls, not the functions
    assert (s.before, s.after) == ("min(v, LIMIT)", "max(v, LIMIT)")
    s = site_of(cand("c", "base", "dict(base)", nth=1))
    assert (s.line, s.before, s.after) == (19, "base", "dict(base)")


def test_sites_skip_what_cannot_be_evaluated_twice():
    assert site_of(cand("d", "[]", "[0]")).before == "[]"                  # a literal: fine
    s = site_of(cand("e", "result = base", "out = base"))                  # a new target: only reach
    assert (s.line, s.reach_only) == (19, True)
    assert site_of(cand("f", "LIMIT = 10", "LIMIT = 11")) is None         # module level
    s = site_of(cand("g", "sum(items)", "sum(items) + 1"))                # stops below helper(...)
    assert (s.before, s.after) == ("sum(items)", "sum(items) + 1")
    s = site_of(cand("h", "helper(items)", "helper(items[1:])"))          # impure call: only reach
    assert (s.line, s.reach_only) == (24, True)
    two = Candidate((Edit("pkg/mod.py", 0, 1, "x"), Edit("pkg/mod.py", 5, 6, "y")), "t", "pkg/mod.py", 1, id="i")
    assert probe_sites([two], FILES) == []


STMTS = textwrap.dedent('''\
    def f(xs, n):
        total = 0
        for x in xs:
            total += x
        if n:
            total -= n
        return total
    ''').encode()


def stmt_site(old: str, new: str):
    start = STMTS.index(old.encode())
    c = Candidate((Edit("m.py", start, start + len(old.encode()), new),), "t", "m.py", 1, id="s")
    found = probe_sites([c], {"m.py": STMTS})
    return (found[0].line, found[0].before, found[0].after) if found else None


def test_statement_edits_become_the_values_they_change():
    assert stmt_site("        total += x\n",
                     "        if x > 0:\n            total += x\n") == (4, "True", "bool(x > 0)")
    assert stmt_site("    total = 0\n", "") == (2, "0", "total")                                # deleted
    assert stmt_site("    return total", "    total += 1\n    return total") == (7, "total", "total + 1")
    assert stmt_site("    return total",
                     "    if not xs:\n        return 0\n    return total") == (7, "...", "(0) if (not xs) else ...")
    assert stmt_site("    return total",
                     "    if not xs:\n        return\n    return total") == (7, "...", "(None) if (not xs) else ...")
    assert stmt_site("    return total",
                     "    if not xs:\n        raise ValueError\n    return total") == (7, "False", "bool(not xs)")
    assert stmt_site("total = 0", "total = 1") == (2, "0", "1")
    assert stmt_site("    return total", "    print(total)\n    return total") == (7, "", "")   # only reach
    assert stmt_site("        total -= n\n", "        total -= n\n        n = 0\n") is None   # at a block's end


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("probe")
    (root / "pkg").mkdir()
    (root / "pkg" / "__init__.py").write_text("")
    (root / "pkg" / "mod.py").write_text(SRC)
    (root / "tests").mkdir()
    (root / "tests" / "test_mod.py").write_text(TESTS)
    return root


def test_probe_in_a_real_worker_tells_inert_changing_and_disturbing_candidates(project):
    cands = [
        cand("inert", "v < low", "v <= low"),             # v never equals low in the failing test
        cand("fix", "result = base", "result = dict(base)"),
        cand("fixexpr", "base", "dict(base)", nth=1),
        cand("alias", "base", "base.copy()", nth=1),
        cand("breaks", "min(v, LIMIT)", "max(v, LIMIT)"),  # not reached by the failing test
        cand("unknown", "helper(items)", "helper(items[1:])"),
    ]
    failing = ["tests/test_mod.py::test_alias_is_a_copy"]
    coverage = {"tests/test_mod.py::test_clamp_caps": {"outcome": "passed", "lines": {"pkg/mod.py": [6, 7, 10]}},
                "tests/test_mod.py::test_total": {"outcome": "passed", "lines": {"pkg/mod.py": [24]}}}
    ev, tests = run_probe(project, cands, FILES, failing, coverage,
                          extra=["tests/test_mod.py::test_clamp_raises_to_low"])
    assert tests == failing + ["tests/test_mod.py::test_clamp_caps", "tests/test_mod.py::test_total"]
    assert ev["unknown"].site.reach_only and ev["unknown"].failing_reached == 0
    assert ev["unknown"].passing_reached == 1
    assert (ev["fix"].site.before, ev["fix"].site.after) == ("base", "dict(base)")
    assert ev["fixexpr"].failing_observed == 1 and ev["fixexpr"].failing_diffs == 1     # a copy is not the object
    assert ev["alias"].failing_diffs == 1
    assert ev["inert"].failing_reached == 0                    # clamp never runs in the failing test
    assert ev["breaks"].passing_reached == 2 and ev["breaks"].passing_differed == 2
    assert ev["inert"].passing_reached == 2 and ev["inert"].passing_differed == 0

    ranked = [Ranked(c, energy=float(i)) for i, c in enumerate(cands)]
    order = [r.candidate.id for r in order_by_evidence(ranked, ev)]
    # `fix` changes the value; the two after it change it the same way (up to where the original
    # fails); clamp's candidates never run in the failing test
    assert order == ["fix", "fixexpr", "alias", "inert", "breaks", "unknown"]
    assert order_by_evidence(ranked, {}) == ranked


def test_an_unchanged_value_on_the_failing_path_goes_last(project):
    cands = [cand("same", "v < low", "v <= low"), cand("moves", "v < low", "v < low + 3")]
    failing = ["tests/test_mod.py::test_clamp_raises_to_low"]
    ev, _ = run_probe(project, cands, FILES, failing)
    assert ev["same"].failing_observed == 2 and ev["same"].inert    # 1 < 3, 5 < 3: never equal
    assert ev["moves"].failing_diffs == 1                                     # 5 < 6 vs 5 < 3
    ranked = [Ranked(c, energy=float(i)) for i, c in enumerate(cands)]
    assert [r.candidate.id for r in order_by_evidence(ranked, ev)] == ["moves", "same"]


def test_probe_counts_new_values_that_raise_or_change_type(project):
    cands = [cand("num", "low", "low / 2", nth=2),      # the `low` of `out.append(low)`; a float is a number
             cand("none", "low", "None", nth=2),         # None is never a new type
             cand("text", "low", "str(low)", nth=2),
             cand("raise", "low", "low + ''", nth=2),
             cand("same", "low", "(low)", nth=2)]
    failing = ["tests/test_mod.py::test_clamp_raises_to_low"]
    assert {site.before for site in probe_sites(cands, FILES)} == {"low"}
    ev, _ = run_probe(project, cands, FILES, failing)
    got = {cid: (e.failing_diffs, e.failing_raised, e.failing_retyped) for cid, e in ev.items()}
    assert got == {"num": (1, 0, 0), "none": (1, 0, 0), "text": (1, 0, 1), "raise": (1, 1, 0), "same": (0, 0, 0)}
    ranked = [Ranked(c, energy=float(i)) for i, c in enumerate(reversed(cands))]   # ranker: `raise` first
    assert [r.candidate.id for r in order_by_evidence(ranked, ev)] == ["none", "num", "text", "raise", "same"]


def test_order_classes_on_hand_made_evidence():
    """changing (kept its type before not, never raised before raised, not away from what the
    failed comparison wants before away, made the compared value the expected one first, then
    targeted before sweeping, by the missing amount first)
    < unknown < duplicate/disturbing < unreached < inert."""
    def ev(cid, reached, observed, diffs, p_reached=0, p_differed=0, digest="d", before="x", line=1,
           raised=0, retyped=0, toward=0, away=0, exact=0, matches=0):
        return cid, Evidence(reached, observed, diffs, p_reached, p_differed, digest + cid,
                             ProbeSite(cid, "m.py", line, before, "y"), raised, retyped, toward, away, exact,
                             matches)
    names = ["inert", "unreached", "away", "raise", "retype", "sweep", "disturb", "none", "partial", "target",
             "exact", "match"]
    ranked = [Ranked(Candidate((), "t", "m.py", 1, id=c), energy=float(i)) for i, c in enumerate(names)]
    evidence = dict([ev("inert", 3, 3, 0), ev("unreached", 0, 0, 0), ev("sweep", 4, 4, 4),
                     ev("raise", 4, 4, 1, raised=1), ev("retype", 4, 4, 1, retyped=1),
                     ev("disturb", 2, 2, 1, p_reached=3, p_differed=2), ev("partial", 5, 3, 0),
                     ev("target", 4, 4, 1), ev("away", 4, 4, 1, toward=1, away=2, exact=1),
                     ev("exact", 4, 4, 1, toward=1, exact=1), ev("match", 4, 4, 4, matches=1)])
    order = [r.candidate.id for r in order_by_evidence(ranked, evidence)]
    assert order == ["match", "exact", "target", "sweep", "away", "retype", "raise", "none", "partial", "disturb",
                     "unreached", "inert"]


CLIP = textwrap.dedent('''\
    def clip(text, width):
        return text[:width + 1]


    def big(n):
        return n ** 1000


    def greet(name):
        return "hi " + name


    def triple(n):
        k = n * 4
        return k - 1
    ''')
CLIP_TESTS = textwrap.dedent('''\
    from pkg.clip import big, clip, greet, triple


    class Odd:
        def __getattr__(self, name):
            raise RuntimeError(name)

        def __eq__(self, other):
            return False


    def test_clip():
        assert clip("abcdef", 3) == "abc"


    def test_big():                    # too large for a float: no direction, and no harm
        assert big(10) == 10 ** 999


    def test_odd():                    # its __getattr__ raises: no direction, and no harm
        assert clip("abc", 1) == Odd()


    def test_greet():                  # same size: no direction, only the value itself tells
        assert greet("bo") == "Hi bo"


    def test_triple():
        assert triple(1) == 2
    ''')


def _clip_project(root: Path) -> dict[str, bytes]:
    """pkg/clip.py and its tests under `root`; the files the probe reads."""
    (root / "pkg").mkdir()
    (root / "pkg" / "__init__.py").write_text("")
    (root / "pkg" / "clip.py").write_text(CLIP)
    (root / "tests").mkdir()
    (root / "tests" / "test_clip.py").write_text(CLIP_TESTS)
    return {"pkg/clip.py": CLIP.encode()}


def _clip_edit(cid, old, new):
    start = CLIP.index(old)
    line = CLIP.count("\n", 0, start) + 1
    return Candidate((Edit("pkg/clip.py", start, start + len(old), new),), "t", "pkg/clip.py", line, id=cid)


def test_a_failed_comparison_says_which_way_the_value_must_move(tmp_path):
    """`assert clip("abcdef", 3) == "abc"` got "abcd": the result must shrink by one. A candidate
    that only makes `width + 1` smaller moves toward that, by exactly one or not; a larger one moves
    away; and the order follows, whatever the ranker said."""
    files = _clip_project(tmp_path)
    edit = _clip_edit
    cands = [edit("up", "width + 1", "width + 2"), edit("down2", "width + 1", "width - 1"),
             edit("down", "width + 1", "width"), edit("smaller", "n ** 1000", "n ** 999")]
    failing = ["tests/test_clip.py::test_clip", "tests/test_clip.py::test_big", "tests/test_clip.py::test_odd"]
    ev, _ = run_probe(tmp_path, cands, files, failing)
    assert {cid: (e.failing_diffs, e.toward, e.away, e.exact) for cid, e in ev.items()} == {
        "up": (2, 0, 1, 0), "down2": (2, 1, 0, 0), "down": (2, 1, 0, 1), "smaller": (1, 0, 0, 0)}
    ranked = [Ranked(c, energy=float(i)) for i, c in enumerate(cands)]
    # `down` and `smaller` (its 10 ** 999 is too large for a direction) make the compared value the
    # expected one; `down2` only moves it the right way
    assert [r.candidate.id for r in order_by_evidence(ranked, ev)] == ["down", "smaller", "down2", "up"]


def test_a_candidate_that_makes_the_compared_value_the_expected_one_goes_first(tmp_path):
    """`assert greet("bo") == "Hi bo"` got "hi bo": same size, so no direction. The candidate whose
    site, which computes the returned value, holds "Hi bo" matches; "ho " changes the value but not
    into the expected one. In `triple`, `n * 2` makes its site hold 2, the expected value, but that
    site never held the actual 3, so it is not what the test compared: only `k - 2` matches."""
    files = _clip_project(tmp_path)
    cands = [_clip_edit("ho", '"hi "', '"ho "'), _clip_edit("Hi", '"hi "', '"Hi "'),
             _clip_edit("n2", "n * 4", "n * 2"), _clip_edit("k2", "k - 1", "k - 2")]
    failing = ["tests/test_clip.py::test_greet", "tests/test_clip.py::test_triple"]
    ev, _ = run_probe(tmp_path, cands, files, failing)
    assert {cid: (e.failing_diffs, e.toward, e.away, e.matches) for cid, e in ev.items()} == {
        "ho": (1, 0, 0, 0), "Hi": (1, 0, 0, 1), "n2": (1, 1, 0, 0), "k2": (1, 1, 0, 1)}
    ranked = [Ranked(c, energy=float(i)) for i, c in enumerate(cands)]
    # the two that match first (`k2` also moved its value by exactly the missing 1), whatever the ranker said
    assert [r.candidate.id for r in order_by_evidence(ranked, ev)] == ["k2", "Hi", "ho", "n2"]


def test_a_patterns_differences_are_not_the_results():
    """`[^;]` -> `[^&;]` makes the pattern longer and the result shorter, and differs in every run,
    passing tests included: a regex edit's site records no move towards or away from a failed
    comparison's expected value, and no disturbed passing test."""
    import dataclasses

    regex = dataclasses.replace(cand("r", "[]", "[0]"), template="regex.edit")
    literal = cand("l", "[]", "[0]")
    sites = {s.candidate_id: s for s in probe_sites([regex, literal], FILES)}
    assert sites["r"].pattern and not sites["l"].pattern
    stats = [2, 2, 2, 3, 3, "d", 0, 0, 0, 1, 0, 0]     # moved away once; every passing test differs
    pattern, other = (Evidence.from_stats(stats, sites[k]) for k in "rl")
    assert (pattern.away, pattern.disturbs_passing, pattern.failing_diffs) == (0, False, 2)
    assert (other.away, other.disturbs_passing) == (1, True)
    assert set(STATS_FIELDS) == {f.name for f in dataclasses.fields(Evidence)} - {"site"}


def test_candidates_built_from_the_failed_comparison_go_first_in_class_0(monkeypatch):
    """The ranker has seen few regex edits and rewritten literals: the best EVIDENCE_FRONT of them
    that change a value in the failing tests validate before the rest of class 0, in their
    order; the others, and those that changed nothing, keep their place."""
    from agent.rank.probe import place_speculative

    def ranked(cid, template):
        return Ranked(Candidate((), template, "m.py", 3, id=cid))

    def ev(cid, diffs):
        return Evidence(3, 3, diffs, 0, 0, cid, ProbeSite(cid, "m.py", 3, "a", "b"))

    order = [ranked("o", "off_by_one"), ranked("p", "operator.comparison"), ranked("r1", "regex.edit"),
             ranked("r2", "regex.edit"), ranked("r0", "regex.edit"), ranked("l", "literal.expected")]
    evidence = {"o": ev("o", 1), "p": ev("p", 0), "r1": ev("r1", 3), "r2": ev("r2", 3), "r0": ev("r0", 0),
                "l": ev("l", 3)}
    monkeypatch.setattr("agent.rank.probe.evidence.EVIDENCE_FRONT", 2)
    placed = place_speculative(order, evidence, frozenset(), frozenset({"regex.edit", "literal.expected"}))
    assert [r.candidate.id for r in placed] == ["r1", "r2", "o", "l", "p", "r0"]
