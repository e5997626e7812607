"""An inverted index mapping words to the documents that contain them."""
from __future__ import annotations

import re

_WORD = re.compile(r"\w+")


class InvertedIndex:
    """Add documents by id; query with AND / OR semantics."""

    def __init__(self) -> None:
        self._postings: dict[str, set[str]] = {}
        self._docs: dict[str, str] = {}

    def __len__(self) -> int:
        return len(self._docs)

    @staticmethod
    def _terms(text: str) -> set[str]:
        return {w.lower() for w in _WORD.findall(text)}

    def add(self, doc_id: str, text: str) -> None:
        """Index ``text`` under ``doc_id`` (re-adding replaces the old text)."""
        if doc_id in self._docs:
            self.remove(doc_id)
        self._docs[doc_id] = text
        for term in self._terms(text):
            self._postings.setdefault(term, set()).add(doc_id)

    def remove(self, doc_id: str) -> None:
        """Forget a document; unknown ids are ignored."""
        text = self._docs.pop(doc_id, None)
        if text is None:
            return
        for term in self._terms(text):
            docs = self._postings.get(term)
            if docs is None:
                continue
            docs.discard(doc_id)
            if not docs:
                del self._postings[term]

    def search(self, query: str, mode: str = "and") -> list[str]:
        """Sorted ids of documents matching all (``and``) or any (``or``) query words."""
        terms = self._terms(query)
        if not terms:
            return []
        sets = [self._postings.get(t, set()) for t in terms]
        if mode == "and":
            result = set.intersection(*sets)
        elif mode == "or":
            result = set.union(*sets)
        else:
            raise ValueError(f"unknown mode {mode!r}")
        return sorted(result)

    def vocabulary(self) -> list[str]:
        return sorted(self._postings)
