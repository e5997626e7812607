"""Naturalness: how surprising a line is to a trigram model of the project's own code.

Counts are kept per source line (n-grams never cross a line break), so a model can be updated in
place — a line removed, its replacement added — which is how the data generator builds the model of
a mutated file without re-reading it. Smoothing is interpolated absolute discounting down to an
add-one unigram.
"""
from __future__ import annotations

import functools
import hashlib
import math
from collections import Counter
from typing import Iterable, Mapping, Sequence

from .tokens import line_tokens

__all__ = ["NGramModel", "project_model"]

_BOS = "<s>"
_EOS = "</s>"
_D = 0.75


class NGramModel:
    def __init__(self) -> None:
        self.grams: list[Counter] = [Counter(), Counter(), Counter()]   # (w,), (a, w), (a, b, w)
        self.contexts: list[Counter] = [Counter(), Counter(), Counter()]  # (), (a,), (a, b)
        self.types: list[Counter] = [Counter(), Counter(), Counter()]     # distinct followers per context
        self.total = 0

    def _update(self, words: Sequence[str], sign: int) -> None:
        seq = [_BOS, _BOS, *words, _EOS]
        for i in range(2, len(seq)):
            w = seq[i]
            for n, ctx in enumerate(((), (seq[i - 1],), (seq[i - 2], seq[i - 1]))):
                gram = ctx + (w,)
                before = self.grams[n][gram]
                after = before + sign
                if after <= 0:
                    del self.grams[n][gram]
                else:
                    self.grams[n][gram] = after
                self.contexts[n][ctx] += sign
                if before == 0 and after > 0:
                    self.types[n][ctx] += 1
                elif before > 0 and after <= 0:
                    self.types[n][ctx] -= 1
            self.total += sign

    def add_line(self, words: Sequence[str]) -> None:
        if words:
            self._update(words, 1)

    def remove_line(self, words: Sequence[str]) -> None:
        if words:
            self._update(words, -1)

    def prob(self, ctx: tuple[str, str], w: str) -> float:
        vocab = len(self.grams[0]) + 1
        p = (self.grams[0][(w,)] + 1) / (self.total + vocab)
        for n, c in ((1, ctx[1:]), (2, ctx)):
            count = self.contexts[n][c]
            if count <= 0:
                continue
            p = max(self.grams[n][c + (w,)] - _D, 0) / count + _D * self.types[n][c] / count * p
        return p

    def cross_entropy(self, words: Sequence[str]) -> float:
        """Mean bits per token of one line (with its end marker); 0 for an empty line."""
        if not words:
            return 0.0
        seq = [_BOS, _BOS, *words, _EOS]
        bits = sum(-math.log2(self.prob((seq[i - 2], seq[i - 1]), seq[i])) for i in range(2, len(seq)))
        return bits / (len(seq) - 2)


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
