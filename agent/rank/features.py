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
from dataclasses import dataclass
from importlib import resources
from typing import Sequence

import numpy as np

from ..ast.offsets import Offsets
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


@functools.cache
def _priors() -> dict[str, float]:
    data = json.loads(resources.files("agent.generate").joinpath("priors.json").read_text("utf-8"))
    return {k: float(v) for k, v in data.items() if not k.startswith("_comment")}


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
    kinds = template_kinds()
    index = {k: i for i, k in enumerate(FEATURE_NAMES)}
    feats = np.zeros((len(cands), len(FEATURE_NAMES)), dtype=np.float32)
    offsets = {p: Offsets(src) for p, src in ctx.files.items()}
    if ngram is None:
        ngram = project_model(ctx.project_sources or ctx.files)
    ordered = sorted(ctx.lines, key=lambda sl: -sl.score)
    top = ordered[0] if ordered else None
    best = max((sl.score for sl in ordered), default=0.0) or 1.0
    line_rank: dict[tuple[str, int], int] = {}
    for i, sl in enumerate(ordered):
        line_rank.setdefault((sl.path, sl.line), i)
    words, frames = _message_words(ctx)
    per_line = Counter((c.path, c.line) for c in cands)
    seen_on_line: Counter = Counter()
    outcomes = getattr(ctx, "outcomes", {}) or {}
    windows: list[EditWindow] = []
    ce_cache: dict[tuple, float] = {}
    left_out: dict[tuple, Counts] = {}

    def ce(path: str, w, tokens) -> float:
        """Cross-entropy of `tokens` against the project less the edited lines themselves."""
        region = (path, w.first_line, w.first_line + max(w.old_text.count("\n"), 1) - 1)
        key = (region, tuple(t.text for t in tokens))
        if key not in ce_cache:
            if region not in left_out:
                rows = line_tokens(ctx.files[path])[region[1] - 1:region[2]]
                left_out[region] = ngram.leave_out([[t.text for t in r] for r in rows])
            ce_cache[key] = ngram.cross_entropy(key[1], without=left_out[region])
        return ce_cache[key]

    for row, c in enumerate(cands):
        src = ctx.files[c.path]
        w = edit_window(src, offsets[c.path], c)
        windows.append(w)
        f = feats[row]

        def put(name: str, value: float) -> None:
            f[index[name]] = value      # noqa: B023 (called within this iteration)

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
        kind = _aliases().get(c.template, c.template)
        if c.source == "llm" or c.template == "llm":
            put("tmpl_llm", 1.0)
        elif kind in kinds:
            put(f"tmpl_{kind}", 1.0)
        else:
            put("tmpl_other", 1.0)
        priors = _priors()
        put("log_prior", math.log(priors.get(c.template, priors.get("_default", 0.02))))
        put("susp", c.suspiciousness)
        put("susp_rel", c.suspiciousness / best)
        rank = line_rank.get((c.path, c.line), len(ordered))
        put("log_line_rank", math.log1p(rank))
        put("is_top_line", float(rank == 0))
        if top is not None and top.path == c.path:
            put("log_top_distance", math.log1p(abs(c.line - top.line)))
        else:
            put("log_top_distance", math.log1p(50))
            put("other_file", 1.0)
        new_ids = _changed_words(w.new, w.new_changed)
        old_ids = _changed_words(w.old, w.old_changed)
        put("new_ids_in_message", float(bool(new_ids & words)))
        put("old_ids_in_message", float(bool(old_ids & words)))
        put("line_in_traceback", float((c.path, c.line) in frames))
        window_ids = {t.text for t in (*w.before, *w.after)} | \
            {t.text for t, ch in zip(w.old, w.old_changed) if not ch}
        put("new_id_in_window", float(bool(new_ids & window_ids)))
        put("new_id_unseen", float(any(ngram.grams[0][(n,)] == 0 for n in new_ids)))
        put("new_valid", float(w.new_valid))
        put("broke_syntax", float(w.old_valid and not w.new_valid))
        ce_new, ce_old = ce(c.path, w, w.new), ce(c.path, w, w.old)
        put("ce_new", ce_new / 10)
        put("ce_old", ce_old / 10)
        put("ce_delta", (ce_new - ce_old) / 5)
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
        fit = line_fit(w.old, w.old_changed, w.new, w.new_changed)
        put("new_name_affinity", fit.new_affinity)
        put("old_name_affinity", fit.old_affinity)
        put("new_name_repeats", float(fit.new_repeats))
        put("old_name_repeats", float(fit.old_repeats))
        put("log_order_on_line", math.log1p(seen_on_line[(c.path, c.line)]))
        seen_on_line[(c.path, c.line)] += 1
        put("log_cands_on_line", math.log1p(per_line[(c.path, c.line)]))
        if c.id in outcomes:
            passed, failed = outcomes[c.id]
            put("outcome_known", 1.0)
            put("outcome_failed", failed / max(passed + failed, 1))
        if c.logprob is not None:
            put("has_logprob", 1.0)
            put("logprob", max(c.logprob, -50.0) / 10)
    _relative_naturalness(feats, index, [(c.path, c.line) for c in cands])
    return Extracted(feats, windows)


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
