"""A prefix tree over strings with word counts."""
from __future__ import annotations


class _TrieNode:
    __slots__ = ("children", "count")

    def __init__(self) -> None:
        self.children: dict[str, _TrieNode] = {}
        self.count = 0


class Trie:
    """Stores words (with multiplicity) and answers prefix queries."""

    def __init__(self, words=()) -> None:
        self.root = _TrieNode()
        for word in words:
            self.insert(word)

    def insert(self, word: str) -> None:
        node = self.root
        for ch in word:
            node = node.children.setdefault(ch, _TrieNode())
        node.count += 1

    def _find(self, prefix: str) -> _TrieNode | None:
        node = self.root
        for ch in prefix:
            node = node.children.get(ch)
            if node is None:
                return None
        return node

    def __contains__(self, word: str) -> bool:
        node = self._find(word)
        return node is not None and node.count > 0

    def count(self, word: str) -> int:
        node = self._find(word)
        return node.count if node else 0

    def starts_with(self, prefix: str) -> list[str]:
        """All distinct stored words beginning with ``prefix``, sorted."""
        node = self._find(prefix)
        if node is None:
            return []
        found: list[str] = []

        def walk(n: _TrieNode, path: str) -> None:
            if n.count:
                found.append(path)
            for ch in sorted(n.children):
                walk(n.children[ch], path + ch)

        walk(node, prefix)
        return found

    def longest_common_prefix(self) -> str:
        """Longest prefix shared by every stored word."""
        node, prefix = self.root, ""
        while len(node.children) == 1 and node.count == 0:
            ch, node = next(iter(node.children.items()))
            prefix += ch
        return prefix
