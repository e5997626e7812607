"""structs: classic data structures in pure Python."""
from .linked import LinkedList
from .heap import PriorityQueue
from .cache import LRUCache
from .trie import Trie
from .intervals import merge_intervals, overlaps, total_covered

__all__ = ["LinkedList", "PriorityQueue", "LRUCache", "Trie",
           "merge_intervals", "overlaps", "total_covered"]
