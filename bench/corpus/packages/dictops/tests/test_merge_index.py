from dictops import InvertedIndex, deep_merge, diff, flatten_keys, unflatten_keys


def test_deep_merge_nested():
    base = {"db": {"host": "localhost", "port": 5432}, "debug": False}
    override = {"db": {"port": 6543}, "debug": True}
    assert deep_merge(base, override) == {"db": {"host": "localhost", "port": 6543}, "debug": True}


def test_deep_merge_does_not_mutate():
    base = {"a": {"b": 1}}
    override = {"a": {"c": 2}}
    deep_merge(base, override)
    assert base == {"a": {"b": 1}} and override == {"a": {"c": 2}}


def test_deep_merge_replaces_non_dict():
    assert deep_merge({"a": {"b": 1}}, {"a": 5}) == {"a": 5}


def test_flatten_unflatten_roundtrip():
    nested = {"a": {"b": 1, "c": {"d": 2}}, "e": {}, "f": 3}
    flat = flatten_keys(nested)
    assert flat == {"a.b": 1, "a.c.d": 2, "e": {}, "f": 3}
    assert unflatten_keys(flat) == nested


def test_diff():
    d = diff({"a": 1, "b": 2, "c": 3}, {"b": 2, "c": 4, "d": 5})
    assert d == {"added": {"d"}, "removed": {"a"}, "changed": {"c"}}


def make_index():
    idx = InvertedIndex()
    idx.add("d1", "The quick brown fox")
    idx.add("d2", "the lazy dog")
    idx.add("d3", "Quick dog, quick!")
    return idx


def test_index_and_or():
    idx = make_index()
    assert idx.search("quick dog") == ["d3"]
    assert idx.search("quick dog", mode="or") == ["d1", "d2", "d3"]
    assert idx.search("") == []


def test_index_replace_and_remove():
    idx = make_index()
    idx.add("d1", "slow turtle")
    assert idx.search("fox") == [] and idx.search("turtle") == ["d1"]
    idx.remove("d2")
    assert "lazy" not in idx.vocabulary()
    assert len(idx) == 2
