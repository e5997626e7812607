"""A singly linked list with a tail pointer."""
from __future__ import annotations

from typing import Any, Iterable, Iterator


class _Node:
    __slots__ = ("value", "next")

    def __init__(self, value: Any, next: "_Node | None" = None) -> None:
        self.value = value
        self.next = next


class LinkedList:
    """Append/prepend in O(1), index and remove in O(n)."""

    def __init__(self, items: Iterable[Any] = ()) -> None:
        self.head: _Node | None = None
        self.tail: _Node | None = None
        self._size = 0
        for item in items:
            self.append(item)

    def __len__(self) -> int:
        return self._size

    def __iter__(self) -> Iterator[Any]:
        node = self.head
        while node is not None:
            yield node.value
            node = node.next

    def append(self, value: Any) -> None:
        node = _Node(value)
        if self.tail is None:
            self.head = self.tail = node
        else:
            self.tail.next = node
            self.tail = node
        self._size += 1

    def prepend(self, value: Any) -> None:
        self.head = _Node(value, self.head)
        if self.tail is None:
            self.tail = self.head
        self._size += 1

    def get(self, index: int) -> Any:
        """Value at ``index`` (negative indices count from the end)."""
        if index < 0:
            index += self._size
        if not 0 <= index < self._size:
            raise IndexError("linked list index out of range")
        node = self.head
        for _ in range(index):
            node = node.next
        return node.value

    def remove(self, value: Any) -> bool:
        """Remove the first occurrence of ``value``; return whether it was found."""
        prev, node = None, self.head
        while node is not None:
            if node.value == value:
                if prev is None:
                    self.head = node.next
                else:
                    prev.next = node.next
                if node is self.tail:
                    self.tail = prev
                self._size -= 1
                return True
            prev, node = node, node.next
        return False

    def reverse(self) -> None:
        """Reverse the list in place."""
        prev, node = None, self.head
        self.tail = self.head
        while node is not None:
            nxt = node.next
            node.next = prev
            prev = node
            node = nxt
        self.head = prev
