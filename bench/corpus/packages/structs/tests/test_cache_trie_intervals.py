import pytest

from structs import LRUCache, Trie, merge_intervals, overlaps, total_covered
from structs.intervals import gaps


def test_lru_evicts_least_recent():
    c = LRUCache(2)
    c.put("a", 1)
    c.put("b", 2)
    c.get("a")
    c.put("c", 3)
    assert "b" not in c and c.keys() == ["a", "c"]


def test_lru_update_refreshes():
    c = LRUCache(2)
    c.put("a", 1)
    c.put("b", 2)
    c.put("a", 10)
    c.put("c", 3)
    assert c.get("a") == 10 and "b" not in c


def test_lru_stats_and_capacity():
    c = LRUCache(1)
    c.get("x")
    c.put("x", 0)
    assert c.get("x") == 0
    assert (c.hits, c.misses) == (1, 1)
    with pytest.raises(ValueError):
        LRUCache(0)


def test_trie_contains_and_count():
    t = Trie(["car", "cart", "car"])
    assert "car" in t and "ca" not in t
    assert t.count("car") == 2


def test_trie_prefix():
    t = Trie(["tea", "ten", "to", "inn"])
    assert t.starts_with("te") == ["tea", "ten"]
    assert t.starts_with("x") == []


def test_trie_lcp():
    assert Trie(["flower", "flow", "flight"]).longest_common_prefix() == "fl"
    assert Trie(["ab", "abc"]).longest_common_prefix() == "ab"


def test_overlaps_touching():
    assert overlaps((1, 3), (3, 5))
    assert not overlaps((1, 2), (3, 4))


def test_merge_intervals():
    assert merge_intervals([(5, 6), (1, 3), (2, 4), (4, 4.5)]) == [(1, 4.5), (5, 6)]
    assert merge_intervals([(1, 10), (2, 3)]) == [(1, 10)]


def test_total_covered_and_gaps():
    ivs = [(0, 2), (1, 3), (5, 6)]
    assert total_covered(ivs) == 4
    assert gaps(ivs, 0, 8) == [(3, 5), (6, 8)]
