"""f(x): the hand-made features of a candidate patch, read with tree-sitter and from the session.

Edit size (characters, changed leaf tokens/nodes, lines), the leaf node kinds the edit removes and
adds, the template kind and its prior, the suspiciousness of the edited line and its distance from
the top suspicious line, whether the edit's identifiers occur in the failure message or traceback,
syntax validity of the edited statement, naturalness of the new line against the project's code
(trigram cross-entropy against the project less the edited lines, its rank within the line and the
set, and how odd the edited line reads beside the other edited lines), def-use changes in the
enclosing function (agent.rank.dataflow: the edit reads a name bound and otherwise unused, or
leaves one unused; module-level and undefined names; how near the function uses a name; how often
the file pairs an object with an attribute), how the edit's names fit the rest of the line
(agent.rank.names), validation outcomes and LLM log-probability when known. The order of
`FEATURE_NAMES` is the order of the columns; a checkpoint records it and refuses a mismatch.
"""
from __future__ import annotations

import functools
import json
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from importlib import resources
from typing import Callable, Mapping, Sequence

import numpy as np

from ..ast.offsets import Offsets
from ..generate.site import prior_of
from ..types import Candidate
from .dataflow import use_change
from .names import line_fit
from .naturalness import Counts, NGramModel, project_model
from .tokens import EditWindow, edit_window, line_tokens

__all__ = ["FEATURE_NAMES", "Extracted", "extract", "template_kinds"]

_KINDS = ("id", "kw", "op", "num", "str")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@functools.cache
def template_kinds() -> tuple[str, ...]:
    """Kinds with their own one-hot column, frozen in template_kinds.json (not read from the
    generator's priors, which grow as templates are added and would shift every column)."""
    data = json.loads(resources.files("agent.rank").joinpath("template_kinds.json").read_text("utf-8"))
    return tuple(data["kinds"])


@functools.cache
def _aliases() -> dict[str, str]:
    """A newer template kind -> the trained kind whose one-hot column it shares (a variant of it:
    no column of its own, and not the untrained `tmpl_other` either)."""
    data = json.loads(resources.files("agent.rank").joinpath("template_kinds.json").read_text("utf-8"))
    return {k: v for k, v in data.get("aliases", {}).items() if v in data["kinds"]}


def _names() -> tuple[str, ...]:
    base = ["log_edit_chars", "changed_old", "changed_new", "delta_tokens", "edit_lines",
            "is_deletion", "is_insertion"]
    base += [f"old_{k}" for k in _KINDS] + [f"new_{k}" for k in _KINDS]
    base += [f"tmpl_{k}" for k in template_kinds()] + ["tmpl_llm", "tmpl_other", "log_prior"]
    base += ["susp", "susp_rel", "log_line_rank", "is_top_line", "log_top_distance", "other_file",
             "new_ids_in_message", "old_ids_in_message", "line_in_traceback",
             "new_id_in_window", "new_id_unseen",
             "new_valid", "broke_syntax",
             "ce_new", "ce_old", "ce_delta", "ce_best_on_line", "log_ce_rank", "log_line_oddity_rank",
             "revives_unused", "orphans_local", "reads_local", "log_new_id_uses", "log_old_id_uses",
             "revives_attr", "log_new_attr_uses", "log_old_attr_uses",
             "adds_global", "drops_global", "binds_undefined", "log_new_near", "log_old_near",
             "log_new_pair_uses", "log_old_pair_uses",
             "new_name_affinity", "old_name_affinity", "new_name_repeats", "old_name_repeats",
             "log_order_on_line", "log_cands_on_line",
             "outcome_known", "outcome_failed", "has_logprob", "logprob"]
    return tuple(base)


FEATURE_NAMES = _names()


@dataclass
class Extracted:
    """Everything the energy model reads about a list of candidates."""
    features: np.ndarray            # float32 [n, len(FEATURE_NAMES)]
    windows: list[EditWindow]


def _message_words(ctx) -> tuple[set[str], set[tuple[str, int]]]:
    words: set[str] = set()
    frames: set[tuple[str, int]] = set()
    for t in ctx.failing:
        words.update(_WORD.findall(t.message))
        for f in t.frames:
            words.add(f.function)
            frames.add((f.path, f.line))
    return words, frames


def _changed_words(tokens, changed) -> set[str]:
    return {t.text for t, c in zip(tokens, changed) if c and t.kind == "id"}


def _kind_mix(tokens, changed) -> list[float]:
    counts = Counter(t.kind for t, c in zip(tokens, changed) if c)
    total = sum(counts.values()) or 1
    return [counts[k] / total for k in _KINDS]


def extract(cands: Sequence[Candidate], ctx, ngram: NGramModel | None = None) -> Extracted:
    """Features and edit windows of `cands` in the session context `ctx` (a RankContext)."""
    index = {k: i for i, k in enumerate(FEATURE_NAMES)}
    feats = np.zeros((len(cands), len(FEATURE_NAMES)), dtype=np.float32)
    offsets = {p: Offsets(src) for p, src in ctx.files.items()}
    if ngram is None:
        ngram = project_model(ctx.project_sources or ctx.files)
    facts = _SetFacts.of(cands, ctx)
    naturalness = _Naturalness(ngram, ctx.files)
    windows: list[EditWindow] = []
    for row, c in enumerate(cands):
        src = ctx.files[c.path]
        w = edit_window(src, offsets[c.path], c)
        windows.append(w)
        put = _writer(feats[row], index)
        _edit_shape(put, c, w)
        _template(put, c)
        _location(put, c, facts)
        _mentions(put, c, w, facts, ngram)
        _cross_entropy(put, c, w, naturalness)
        _def_use(put, src, w)
        _name_fit(put, w)
        _known(put, c, facts.outcomes)
    _relative_naturalness(feats, index, [(c.path, c.line) for c in cands])
    return Extracted(feats, windows)


_Put = Callable[[str, float], None]     # sets one feature of the candidate's row


def _writer(row: np.ndarray, index: dict[str, int]) -> _Put:
    def put(name: str, value: float) -> None:
        row[index[name]] = value
    return put


@dataclass
class _SetFacts:
    """What each candidate of one ranking is measured against: the suspicious lines, the failure's
    words and frames, how many candidates share a line (and how many came before), known outcomes."""
    ordered: list                       # the suspicious lines, most suspicious first
    best: float                         # the highest suspiciousness (1 when none)
    line_rank: dict[tuple[str, int], int]
    words: set[str]
    frames: set[tuple[str, int]]
    per_line: Counter
    outcomes: Mapping[str, tuple[int, int]]
    seen_on_line: Counter = field(default_factory=Counter)

    @classmethod
    def of(cls, cands: Sequence[Candidate], ctx) -> "_SetFacts":
        ordered = sorted(ctx.lines, key=lambda sl: -sl.score)
        line_rank: dict[tuple[str, int], int] = {}
        for i, sl in enumerate(ordered):
            line_rank.setdefault((sl.path, sl.line), i)
        words, frames = _message_words(ctx)
        return cls(ordered, max((sl.score for sl in ordered), default=0.0) or 1.0, line_rank, words, frames,
                   Counter((c.path, c.line) for c in cands), getattr(ctx, "outcomes", {}) or {})

    @property
    def top(self):
        return self.ordered[0] if self.ordered else None


class _Naturalness:
    """Cross-entropy of an edit's tokens against the project less the edited lines themselves,
    cached by region and tokens."""

    def __init__(self, ngram: NGramModel, files: dict[str, bytes]):
        self.ngram, self.files = ngram, files
        self.cache: dict[tuple, float] = {}
        self.left_out: dict[tuple, Counts] = {}

    def ce(self, path: str, w: EditWindow, tokens) -> float:
        region = (path, w.first_line, w.first_line + max(w.old_text.count("\n"), 1) - 1)
        key = (region, tuple(t.text for t in tokens))
        if key not in self.cache:
            if region not in self.left_out:
                rows = line_tokens(self.files[path])[region[1] - 1:region[2]]
                self.left_out[region] = self.ngram.leave_out([[t.text for t in r] for r in rows])
            self.cache[key] = self.ngram.cross_entropy(key[1], without=self.left_out[region])
        return self.cache[key]


def _edit_shape(put: _Put, c: Candidate, w: EditWindow) -> None:
    """How big the edit is and which kinds of token it removes and adds."""
    chars = sum(e.end - e.start + len(e.text) for e in c.edits)
    put("log_edit_chars", math.log1p(chars))
    put("changed_old", math.log1p(sum(w.old_changed)))
    put("changed_new", math.log1p(sum(w.new_changed)))
    put("delta_tokens", float(np.clip(len(w.new) - len(w.old), -10, 10)) / 5)
    put("edit_lines", math.log1p(w.old_text.count("\n")))
    put("is_deletion", float(not w.new and bool(w.old)))
    put("is_insertion", float(len(w.new) > len(w.old) and sum(w.old_changed) == 0))
    for k, v in zip(_KINDS, _kind_mix(w.old, w.old_changed)):
        put(f"old_{k}", v)
    for k, v in zip(_KINDS, _kind_mix(w.new, w.new_changed)):
        put(f"new_{k}", v)


def _template(put: _Put, c: Candidate) -> None:
    """The template kind's one-hot column and its prior."""
    kind = _aliases().get(c.template, c.template)
    if c.source == "llm" or c.template == "llm":
        put("tmpl_llm", 1.0)
    elif kind in template_kinds():
        put(f"tmpl_{kind}", 1.0)
    else:
        put("tmpl_other", 1.0)
    put("log_prior", math.log(prior_of(c.template)))


def _location(put: _Put, c: Candidate, facts: _SetFacts) -> None:
    """How suspicious the edited line is, where it ranks and how far it is from the top line; how
    many candidates edit the same line, and how many came before this one."""
    put("susp", c.suspiciousness)
    put("susp_rel", c.suspiciousness / facts.best)
    rank = facts.line_rank.get((c.path, c.line), len(facts.ordered))
    put("log_line_rank", math.log1p(rank))
    put("is_top_line", float(rank == 0))
    top = facts.top
    if top is not None and top.path == c.path:
        put("log_top_distance", math.log1p(abs(c.line - top.line)))
    else:
        put("log_top_distance", math.log1p(50))
        put("other_file", 1.0)
    put("log_order_on_line", math.log1p(facts.seen_on_line[(c.path, c.line)]))
    facts.seen_on_line[(c.path, c.line)] += 1
    put("log_cands_on_line", math.log1p(facts.per_line[(c.path, c.line)]))


def _mentions(put: _Put, c: Candidate, w: EditWindow, facts: _SetFacts, ngram: NGramModel) -> None:
    """Whether the edit's identifiers occur in the failure, around the edit, or in the project."""
    new_ids = _changed_words(w.new, w.new_changed)
    old_ids = _changed_words(w.old, w.old_changed)
    put("new_ids_in_message", float(bool(new_ids & facts.words)))
    put("old_ids_in_message", float(bool(old_ids & facts.words)))
    put("line_in_traceback", float((c.path, c.line) in facts.frames))
    window_ids = {t.text for t in (*w.before, *w.after)} | \
        {t.text for t, ch in zip(w.old, w.old_changed) if not ch}
    put("new_id_in_window", float(bool(new_ids & window_ids)))
    put("new_id_unseen", float(any(ngram.grams[0][(n,)] == 0 for n in new_ids)))
    put("new_valid", float(w.new_valid))
    put("broke_syntax", float(w.old_valid and not w.new_valid))


def _cross_entropy(put: _Put, c: Candidate, w: EditWindow, naturalness: _Naturalness) -> None:
    ce_new, ce_old = naturalness.ce(c.path, w, w.new), naturalness.ce(c.path, w, w.old)
    put("ce_new", ce_new / 10)
    put("ce_old", ce_old / 10)
    put("ce_delta", (ce_new - ce_old) / 5)


def _def_use(put: _Put, src: bytes, w: EditWindow) -> None:
    """The def-use changes of the edit in its function (agent.rank.dataflow)."""
    uses = use_change(src, w.first_line, w.old, w.new)
    put("revives_unused", float(uses.revives))
    put("orphans_local", float(uses.orphans))
    put("reads_local", float(uses.new_local))
    put("log_new_id_uses", uses.log_new_count)
    put("log_old_id_uses", uses.log_old_count)
    put("revives_attr", float(uses.revives_attr))
    put("log_new_attr_uses", uses.log_new_attr)
    put("log_old_attr_uses", uses.log_old_attr)
    put("adds_global", float(uses.adds_global))
    put("drops_global", float(uses.drops_global))
    put("binds_undefined", float(uses.binds_undefined))
    put("log_new_near", uses.log_new_near)
    put("log_old_near", uses.log_old_near)
    put("log_new_pair_uses", uses.log_new_pair)
    put("log_old_pair_uses", uses.log_old_pair)


def _name_fit(put: _Put, w: EditWindow) -> None:
    """How the edit's names fit the rest of the line (agent.rank.names)."""
    fit = line_fit(w.old, w.old_changed, w.new, w.new_changed)
    put("new_name_affinity", fit.new_affinity)
    put("old_name_affinity", fit.old_affinity)
    put("new_name_repeats", float(fit.new_repeats))
    put("old_name_repeats", float(fit.old_repeats))


def _known(put: _Put, c: Candidate, outcomes: Mapping[str, tuple[int, int]]) -> None:
    """Validation outcomes and the LLM's log-probability, when known."""
    if c.id in outcomes:
        passed, failed = outcomes[c.id]
        put("outcome_known", 1.0)
        put("outcome_failed", failed / max(passed + failed, 1))
    if c.logprob is not None:
        put("has_logprob", 1.0)
        put("logprob", max(c.logprob, -50.0) / 10)


def _relative_naturalness(feats: np.ndarray, index: dict[str, int], lines) -> None:
    """Where each candidate's new line stands among the others: the most natural edit of its line,
    and its rank over the whole set (a linear energy cannot compare candidates by itself)."""
    ce = feats[:, index["ce_new"]]
    best: dict = {}
    for key, value in zip(lines, ce):
        best[key] = min(best.get(key, value), value)
    feats[:, index["ce_best_on_line"]] = [float(v <= best[k] + 1e-6) for k, v in zip(lines, ce)]
    ranks = np.searchsorted(np.sort(ce), ce, side="left")
    feats[:, index["log_ce_rank"]] = np.log1p(ranks) / 5
    # The edited lines by how odd they read before the edit (most surprising first): a bug tends to
    # be the least natural of the suspicious lines.
    old: dict = {}
    for key, value in zip(lines, feats[:, index["ce_old"]]):
        old[key] = max(old.get(key, value), value)
    odd = sorted(set(old.values()), reverse=True)
    feats[:, index["log_line_oddity_rank"]] = [math.log1p(odd.index(old[k])) for k in lines]
