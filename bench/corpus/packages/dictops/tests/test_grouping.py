import pytest

from dictops import count_by, dedup, group_by, invert, partition


def test_group_by_keeps_order():
    words = ["apple", "bob", "avocado", "cat", "bee"]
    assert group_by(words, lambda w: w[0]) == {"a": ["apple", "avocado"], "b": ["bob", "bee"], "c": ["cat"]}


def test_count_by():
    assert count_by([1, 2, 3, 4, 5], lambda n: n % 2) == {1: 3, 0: 2}


def test_partition():
    assert partition(range(6), lambda n: n > 3) == ([4, 5], [0, 1, 2, 3])


def test_dedup_plain_and_key():
    assert dedup([3, 1, 3, 2, 1]) == [3, 1, 2]
    assert dedup(["A", "a", "b", "B"], key=str.lower) == ["A", "b"]


def test_invert_unique():
    assert invert({"a": 1, "b": 2}) == {1: "a", 2: "b"}
    with pytest.raises(ValueError):
        invert({"a": 1, "b": 1})


def test_invert_multi():
    assert invert({"a": 1, "b": 1, "c": 2}, unique=False) == {1: ["a", "b"], 2: ["c"]}
