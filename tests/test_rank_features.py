"""The ranker's features on hand-made candidates: edit size, template, suspiciousness, distance,
failure-message identifiers, syntax validity and naturalness."""
from __future__ import annotations

import numpy as np
import pytest

from agent.rank import RankContext
from agent.rank.features import FEATURE_NAMES, extract
from agent.rank.naturalness import NGramModel
from agent.rank.tokens import tokenize
from agent import types as T
from agent.types import Candidate, Edit, Frame, Outcome, SuspiciousLine

SRC = b"""def total(items, limit):
    count = 0
    for item in items:
        if item.price > limit:
            count += 1
    return count
"""
PATH = "shop.py"


def _cand(old: bytes, new: str, template: str, susp: float = 0.5, cid: str = "") -> Candidate:
    start = SRC.index(old)
    line = SRC[:start].count(b"\n") + 1
    return Candidate(edits=(Edit(PATH, start, start + len(old), new),), template=template, path=PATH,
                     line=line, suspiciousness=susp, id=cid or new)


def _ctx(message: str = "", frames=()) -> RankContext:
    lines = [SuspiciousLine(PATH, 4, 0.9), SuspiciousLine(PATH, 6, 0.4)]
    failing = [T.TestResult("t.py::test_total", Outcome.FAILED, message, tuple(frames))]
    return RankContext(files={PATH: SRC}, lines=lines, failing=failing)


def _f(ex, row: int, name: str) -> float:
    return float(ex.features[row, FEATURE_NAMES.index(name)])


def test_edit_size_template_and_suspiciousness():
    cands = [_cand(b">", ">=", "operator.comparison", 0.9),
             _cand(b"count += 1", "count += item.price * 2", "statement.insert", 0.4)]
    ex = extract(cands, _ctx())
    assert ex.features.shape == (2, len(FEATURE_NAMES))
    assert _f(ex, 0, "tmpl_operator.comparison") == 1.0 and _f(ex, 0, "tmpl_statement.insert") == 0.0
    assert _f(ex, 0, "log_edit_chars") < _f(ex, 1, "log_edit_chars")
    assert _f(ex, 0, "changed_new") < _f(ex, 1, "changed_new")
    assert _f(ex, 0, "is_top_line") == 1.0 and _f(ex, 1, "is_top_line") == 0.0
    assert _f(ex, 0, "susp") == np.float32(0.9)
    assert _f(ex, 0, "log_top_distance") == 0.0 and _f(ex, 1, "log_top_distance") > 0.0
    assert _f(ex, 0, "old_op") == 1.0 and _f(ex, 0, "new_op") == 1.0   # `>` → `>=`: operator leaves


def test_identifiers_in_failure_message_and_traceback():
    cands = [_cand(b"limit:", "count:", "identifier.replace"), _cand(b"> limit", ">= limit", "operator.comparison")]
    ex = extract(cands, _ctx("AssertionError: count was 3", [Frame(PATH, 4, "total")]))
    assert _f(ex, 0, "new_ids_in_message") == 1.0 and _f(ex, 0, "old_ids_in_message") == 0.0
    assert _f(ex, 1, "new_ids_in_message") == 0.0
    assert _f(ex, 0, "line_in_traceback") == 1.0
    assert _f(ex, 0, "new_id_in_window") == 1.0        # `count` is used two lines up


def test_syntax_validity_of_the_edited_statement():
    cands = [_cand(b"count += 1", "count += 2", "literal.replace"),
             _cand(b"count += 1", "count += (1", "llm")]
    ex = extract(cands, _ctx())
    assert _f(ex, 0, "new_valid") == 1.0 and _f(ex, 0, "broke_syntax") == 0.0
    assert _f(ex, 1, "new_valid") == 0.0 and _f(ex, 1, "broke_syntax") == 1.0
    assert _f(ex, 1, "tmpl_llm") == 1.0


def test_naturalness_prefers_lines_like_the_project():
    project = {PATH: SRC, "other.py": b"def f(xs):\n    n = 0\n    n += 1\n    n += 1\n    return n\n"}
    cands = [_cand(b"count += 1", "count += 1 ** lambda: 3", "x"), _cand(b"count += 1", "count -= 1", "y")]
    ctx = _ctx()
    ctx.project_sources = project
    ex = extract(cands, ctx)
    assert _f(ex, 1, "ce_new") < _f(ex, 0, "ce_new")
    assert _f(ex, 1, "ce_best_on_line") == 1.0 and _f(ex, 0, "ce_best_on_line") == 0.0
    assert _f(ex, 1, "log_ce_rank") < _f(ex, 0, "log_ce_rank")


def test_naturalness_can_leave_the_judged_line_out():
    lines = [["x", "=", "a", "+", "b"], ["y", "=", "a", "+", "b"], ["z", "=", "b", "-", "a", "*", "c"]]
    full, rest = NGramModel(), NGramModel()
    for words in lines:
        full.add_line(words)
    for words in lines[:2]:
        rest.add_line(words)
    judged = lines[2]
    left_out = full.cross_entropy(judged, without=full.leave_out([judged]))
    assert left_out == pytest.approx(rest.cross_entropy(judged), rel=1e-9)
    assert left_out > full.cross_entropy(judged)       # the line no longer vouches for itself
    # Only what the model holds is left out: leaving out more than it saw never breaks the model.
    assert 0 <= full.cross_entropy(judged, without=full.leave_out(lines * 4 + [["q", "@"]])) < 64


def test_def_use_an_unused_name_read_again_or_a_local_left_unused():
    src = b"""def scale(values, factor, offset):
    out = []
    for v in values:
        out.append(v * offset)
    return out
"""
    ctx = RankContext(files={PATH: src}, lines=[SuspiciousLine(PATH, 4, 0.9)],
                      failing=[T.TestResult("t.py::test_scale", Outcome.FAILED, "", ())])
    at = src.index(b"offset)")

    def cand(old: bytes, new: str) -> Candidate:
        start = src.index(old, at - 20)
        return Candidate(edits=(Edit(PATH, start, start + len(old), new),), template="identifier.replace",
                         path=PATH, line=4, suspiciousness=0.9, id=new)

    # `factor` is bound and never read: the fix reads it; `offset` then has no read left.
    ex = extract([cand(b"offset", "factor"), cand(b"offset", "v"), cand(b"out", "values")], ctx)
    assert _f(ex, 0, "revives_unused") == 1.0 and _f(ex, 0, "orphans_local") == 1.0
    assert _f(ex, 0, "reads_local") == 1.0
    assert _f(ex, 1, "revives_unused") == 0.0 and _f(ex, 1, "orphans_local") == 1.0
    assert _f(ex, 2, "revives_unused") == 0.0 and _f(ex, 2, "orphans_local") == 0.0   # `out` stays read
    assert _f(ex, 1, "log_new_id_uses") > _f(ex, 0, "log_new_id_uses")   # `v` occurs twice, `factor` once


def test_def_use_of_attributes_counts_the_whole_file():
    src = b"""class Box:
    def __init__(self, w, h):
        self.width = w
        self.height = h

    def area(self):
        return self.width * self.width
"""
    ctx = RankContext(files={PATH: src}, lines=[SuspiciousLine(PATH, 7, 0.9)],
                      failing=[T.TestResult("t.py::test_area", Outcome.FAILED, "", ())])
    start = src.rindex(b"width")
    cands = [Candidate(edits=(Edit(PATH, start, start + 5, new),), template="attribute.replace", path=PATH,
                       line=7, suspiciousness=0.9, id=new) for new in ("height", "area")]
    ex = extract(cands, ctx)
    assert _f(ex, 0, "revives_attr") == 1.0             # `height` is assigned and never read
    assert _f(ex, 1, "revives_attr") == 0.0             # `area` occurs only after `def`, not a `.`
    assert _f(ex, 0, "log_old_attr_uses") > _f(ex, 0, "log_new_attr_uses")   # width: 3, height: 1


def test_names_module_level_undefined_and_nearby():
    src = b"""LIMIT = 3


def read(fobj, spec):
    parsed = Header.parse(fobj)
    size = header.size + LIMIT
    return spec.loader, size


def load(spec, name):
    return spec.loader.load(name)
"""
    ctx = RankContext(files={PATH: src}, lines=[SuspiciousLine(PATH, 5, 0.9)],
                      failing=[T.TestResult("t.py::test_read", Outcome.FAILED, "", ())])

    def cand(old: bytes, new: str, after: bytes = b"def read") -> Candidate:
        start = src.index(old, src.index(after))
        return Candidate(edits=(Edit(PATH, start, start + len(old), new),), template="identifier.replace",
                         path=PATH, line=src[:start].count(b"\n") + 1, suspiciousness=0.9, id=new)

    ex = extract([cand(b"parsed =", "header ="), cand(b"parsed =", "size ="), cand(b"LIMIT", "fobj"),
                  cand(b"fobj)", "LIMIT)"), cand(b"spec.loader", "fobj.loader"),
                  cand(b"spec.loader", "name.loader", after=b"def load")], ctx)
    # `header` is read but bound nowhere (nor at module level): assigning it again is a likely fix,
    # and `Header.parse` names it.
    assert _f(ex, 0, "binds_undefined") == 1.0 and _f(ex, 1, "binds_undefined") == 0.0
    assert _f(ex, 0, "new_name_affinity") == 1.0 and _f(ex, 1, "new_name_affinity") == 0.0
    # `LIMIT` is module-level and the function reads it once: dropping it, or reading it instead.
    assert _f(ex, 2, "drops_global") == 1.0 and _f(ex, 2, "adds_global") == 0.0
    assert _f(ex, 3, "adds_global") == 1.0 and _f(ex, 3, "drops_global") == 0.0
    # `fobj` is used one line up; `parsed` nowhere else.
    assert _f(ex, 2, "log_new_near") == pytest.approx(np.log1p(1))
    assert _f(ex, 0, "log_old_near") == pytest.approx(np.log1p(100))
    # `spec.loader` occurs elsewhere in the file (once more than the edited line), `fobj.loader` and
    # `name.loader` nowhere.
    assert _f(ex, 4, "log_old_pair_uses") == pytest.approx(np.log1p(1))
    assert _f(ex, 4, "log_new_pair_uses") == 0.0 and _f(ex, 5, "log_new_pair_uses") == 0.0


def test_names_repeated_on_the_line():
    ex = extract([_cand(b"count = 0", "count = count", "identifier.replace"),
                  _cand(b"item.price > limit", "item.price > items", "identifier.replace")], _ctx())
    assert _f(ex, 0, "new_name_repeats") == 1.0     # `count = count`
    assert _f(ex, 1, "new_name_repeats") == 0.0
    assert _f(ex, 1, "new_name_affinity") == pytest.approx(0.0)   # "items" vs "item", "price"


def test_validation_outcome_and_logprob_when_known():
    cands = [_cand(b">", ">=", "llm", cid="a"), _cand(b">", "<", "operator.comparison", cid="b")]
    cands[0] = Candidate(cands[0].edits, "llm", PATH, 4, source="llm", logprob=-3.0, id="a")
    ctx = _ctx()
    ctx.outcomes = {"b": (1, 3)}
    ex = extract(cands, ctx)
    assert _f(ex, 0, "has_logprob") == 1.0 and _f(ex, 0, "logprob") == np.float32(-0.3)
    assert _f(ex, 1, "outcome_known") == 1.0 and _f(ex, 1, "outcome_failed") == 0.75
    assert _f(ex, 0, "outcome_known") == 0.0


def test_tokens_are_tree_sitter_leaves():
    toks = tokenize(b"if x.y >= 10000: return 'a'\n")
    assert [t.text for t in toks] == ["if", "x", ".", "y", ">=", "<int>", ":", "return", "'a'"]
    assert [t.kind for t in toks][:3] == ["kw", "id", "op"]
