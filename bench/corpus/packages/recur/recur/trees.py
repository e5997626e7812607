"""Binary trees: traversals, height, BST insertion and path enumeration."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable


@dataclass
class Node:
    value: Any
    left: "Node | None" = None
    right: "Node | None" = None


def inorder(node: Node | None) -> list[Any]:
    """Left, node, right."""
    if node is None:
        return []
    return inorder(node.left) + [node.value] + inorder(node.right)


def preorder(node: Node | None) -> list[Any]:
    """Node, left, right."""
    if node is None:
        return []
    return [node.value] + preorder(node.left) + preorder(node.right)


def postorder(node: Node | None) -> list[Any]:
    """Left, right, node."""
    if node is None:
        return []
    return postorder(node.left) + postorder(node.right) + [node.value]


def height(node: Node | None) -> int:
    """Number of nodes on the longest root-to-leaf path (empty tree: 0)."""
    if node is None:
        return 0
    return 1 + max(height(node.left), height(node.right))


def bst_insert(root: Node | None, value: Any) -> Node:
    """Insert into a binary search tree (duplicates go right); return the root."""
    if root is None:
        return Node(value)
    if value < root.value:
        root.left = bst_insert(root.left, value)
    else:
        root.right = bst_insert(root.right, value)
    return root


def build_bst(values: Iterable[Any]) -> Node | None:
    root = None
    for v in values:
        root = bst_insert(root, v)
    return root


def root_to_leaf_paths(node: Node | None) -> list[list[Any]]:
    """Every path from the root down to a leaf, left to right."""
    if node is None:
        return []
    if node.left is None and node.right is None:
        return [[node.value]]
    paths = []
    for child in (node.left, node.right):
        for path in root_to_leaf_paths(child):
            paths.append([node.value] + path)
    return paths
