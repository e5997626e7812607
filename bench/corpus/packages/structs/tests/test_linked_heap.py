import pytest

from structs import LinkedList, PriorityQueue


def test_append_prepend_iter():
    ll = LinkedList([2, 3])
    ll.prepend(1)
    ll.append(4)
    assert list(ll) == [1, 2, 3, 4]
    assert len(ll) == 4


def test_get_negative_and_bounds():
    ll = LinkedList("abc")
    assert ll.get(0) == "a" and ll.get(-1) == "c"
    with pytest.raises(IndexError):
        ll.get(3)


def test_remove_tail_then_append():
    ll = LinkedList([1, 2, 3])
    assert ll.remove(3)
    ll.append(9)
    assert list(ll) == [1, 2, 9]
    assert not ll.remove(42)


def test_remove_head():
    ll = LinkedList([1, 2])
    ll.remove(1)
    assert list(ll) == [2] and len(ll) == 1


def test_reverse_then_append():
    ll = LinkedList([1, 2, 3])
    ll.reverse()
    ll.append(0)
    assert list(ll) == [3, 2, 1, 0]


def test_pq_orders_by_priority():
    pq = PriorityQueue()
    for item, prio in [("c", 3), ("a", 1), ("e", 5), ("b", 2), ("d", 4)]:
        pq.push(item, prio)
    assert pq.peek() == "a"
    assert [pq.pop() for _ in range(5)] == ["a", "b", "c", "d", "e"]


def test_pq_stable_ties():
    pq = PriorityQueue()
    for name in ["x", "y", "z"]:
        pq.push(name, 1)
    assert [pq.pop(), pq.pop(), pq.pop()] == ["x", "y", "z"]


def test_pq_empty():
    with pytest.raises(IndexError):
        PriorityQueue().pop()


def test_pq_many_items_sorted():
    pq = PriorityQueue()
    values = [(i * 7) % 23 for i in range(23)]
    for v in values:
        pq.push(f"v{v}", v)
    out = [pq.pop() for _ in range(len(values))]
    assert out == [f"v{v}" for v in sorted(values)]
    assert len(pq) == 0
