"""Naturalness: how surprising a line is to a trigram model of the project's own code.

Counts are kept per source line (n-grams never cross a line break). Smoothing is interpolated
absolute discounting down to an add-one unigram.

A line is judged against the rest of the project: `cross_entropy(words, without=...)` leaves the
edited lines' own n-grams out (read-only, so a cached project model can be shared), otherwise a
line would vouch for itself and a bug would look as natural as the code around it.
"""
from __future__ import annotations

import functools
import hashlib
import math
from collections import Counter
from typing import Iterable, Mapping, Sequence

from .tokens import line_tokens

__all__ = ["NGramModel", "Counts", "project_model"]

_BOS = "<s>"
_EOS = "</s>"
_D = 0.75


class Counts:
    """N-gram counts of some lines a model holds, to leave out of it (`NGramModel.leave_out`)."""

    def __init__(self) -> None:
        self.grams: list[Counter] = [Counter(), Counter(), Counter()]
        self.contexts: list[Counter] = [Counter(), Counter(), Counter()]
        self.types: list[Counter] = [Counter(), Counter(), Counter()]   # followers seen only here
        self.vanished = 0                                               # words seen only here
        self.total = 0


class NGramModel:
    def __init__(self) -> None:
        self.grams: list[Counter] = [Counter(), Counter(), Counter()]   # (w,), (a, w), (a, b, w)
        self.contexts: list[Counter] = [Counter(), Counter(), Counter()]  # (), (a,), (a, b)
        self.types: list[Counter] = [Counter(), Counter(), Counter()]     # distinct followers per context
        self.total = 0

    def leave_out(self, lines: Sequence[Sequence[str]]) -> Counts:
        """The counts of `lines`, for `cross_entropy(without=)`; only what the model holds is left
        out (a line it never saw, e.g. an unsaved edit, takes nothing away)."""
        raw: list[Counter] = [Counter(), Counter(), Counter()]
        for words in lines:
            for n, _, gram in _line_grams(words):
                raw[n][gram] += 1
        out = Counts()
        for n in range(3):
            for gram, k in raw[n].items():
                have = self.grams[n][gram]
                k = min(k, have)
                if k <= 0:
                    continue
                out.grams[n][gram] = k
                out.contexts[n][gram[:-1]] += k
                if have <= k:
                    out.types[n][gram[:-1]] += 1
        out.total = sum(out.grams[0].values())
        out.vanished = out.types[0][()]
        return out

    def add_line(self, words: Sequence[str]) -> None:
        for n, ctx, gram in _line_grams(words):
            if self.grams[n][gram] == 0:
                self.types[n][ctx] += 1
            self.grams[n][gram] += 1
            self.contexts[n][ctx] += 1
        if words:
            self.total += len(words) + 1      # one unigram per word and the end marker

    def prob(self, ctx: tuple[str, str], w: str, without: Counts | None = None) -> float:
        if without is None:
            without = _EMPTY
        vocab = len(self.grams[0]) - without.vanished + 1
        unigram = max(self.grams[0][(w,)] - without.grams[0][(w,)], 0)
        p = (unigram + 1) / (max(self.total - without.total, 0) + vocab)
        for n, c in ((1, ctx[1:]), (2, ctx)):
            count = self.contexts[n][c] - without.contexts[n][c]
            if count <= 0:
                continue
            gram = c + (w,)
            p = max(self.grams[n][gram] - without.grams[n][gram] - _D, 0) / count + \
                _D * (self.types[n][c] - without.types[n][c]) / count * p
        return p

    def cross_entropy(self, words: Sequence[str], without: Counts | None = None) -> float:
        """Mean bits per token of one line (with its end marker); 0 for an empty line. `without`:
        counts to leave out (`leave_out(...)`), e.g. the line's own, so it cannot vouch for itself."""
        if not words:
            return 0.0
        seq = [_BOS, _BOS, *words, _EOS]
        bits = sum(-math.log2(self.prob((seq[i - 2], seq[i - 1]), seq[i], without)) for i in range(2, len(seq)))
        return bits / (len(seq) - 2)


_EMPTY = Counts()


def _line_grams(words: Sequence[str]):
    """(order, context, n-gram) at every position of one line, its end marker included; nothing
    for an empty line."""
    if not words:
        return
    seq = [_BOS, _BOS, *words, _EOS]
    for i in range(2, len(seq)):
        for n, ctx in enumerate(((), (seq[i - 1],), (seq[i - 2], seq[i - 1]))):
            yield n, ctx, ctx + (seq[i],)


def file_lines(src: bytes) -> list[list[str]]:
    return [[t.text for t in row] for row in line_tokens(src) if row]


def build(sources: Iterable[bytes]) -> NGramModel:
    model = NGramModel()
    for src in sources:
        for words in file_lines(src):
            model.add_line(words)
    return model


@functools.lru_cache(maxsize=4)
def _cached(key: str, sources: tuple[bytes, ...]) -> NGramModel:
    return build(sources)


def project_model(sources: Mapping[str, bytes]) -> NGramModel:
    """The model of a project's sources, cached on their content."""
    items = tuple(sources[k] for k in sorted(sources))
    key = hashlib.sha1(b"\0".join(items)).hexdigest()
    return _cached(key, items)
