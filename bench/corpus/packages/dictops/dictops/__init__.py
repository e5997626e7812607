"""dictops: dict and set manipulation (grouping, merging, indexing, dedup)."""
from .grouping import group_by, count_by, partition, dedup, invert
from .merge import deep_merge, flatten_keys, unflatten_keys, diff
from .index import InvertedIndex

__all__ = ["group_by", "count_by", "partition", "dedup", "invert", "deep_merge",
           "flatten_keys", "unflatten_keys", "diff", "InvertedIndex"]
