"""A small word tokenizer, n-grams and frequency counts."""
from __future__ import annotations

import re
from collections import Counter

_TOKEN = re.compile(r"[A-Za-z0-9]+(?:'[A-Za-z]+)?")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")

STOPWORDS = frozenset({"a", "an", "the", "and", "or", "of", "to", "in", "is"})


def tokenize(text: str, lower: bool = True, drop_stopwords: bool = False) -> list[str]:
    """Words of ``text`` (apostrophe contractions kept together)."""
    tokens = _TOKEN.findall(text)
    if lower:
        tokens = [t.lower() for t in tokens]
    if drop_stopwords:
        tokens = [t for t in tokens if t.lower() not in STOPWORDS]
    return tokens


def ngrams(tokens: list[str], n: int) -> list[tuple[str, ...]]:
    """All contiguous n-grams of ``tokens``, in order."""
    if n <= 0:
        raise ValueError("n must be positive")
    return [tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1)]


def word_frequencies(text: str, top: int | None = None) -> list[tuple[str, int]]:
    """(word, count) pairs sorted by count descending, then alphabetically."""
    counts = Counter(tokenize(text, drop_stopwords=True))
    ranked = sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))
    if top is not None:
        ranked = ranked[:top]
    return ranked


def sentences(text: str) -> list[str]:
    """Split text into sentences on ., ! or ? followed by whitespace."""
    parts = _SENTENCE_END.split(text.strip())
    return [p.strip() for p in parts if p.strip()]
