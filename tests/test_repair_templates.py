"""Each template family, on a small realistic bug: the correct fix must be among the candidates
generated for the buggy line, under the expected template kind."""
from __future__ import annotations

import textwrap

import pytest

from agent.diff import apply_edits
from agent.generate.generator import generate_candidates
from agent.types import SuspiciousLine


def _fixes(buggy: str, line: int) -> dict[str, str]:
    """Patched source -> template kind, for every candidate at `line`."""
    src = textwrap.dedent(buggy).encode()
    cands = generate_candidates({"m.py": src}, [SuspiciousLine("m.py", line, 1.0)],
                                max_candidates=1000)
    return {apply_edits({"m.py": src}, c.edits)["m.py"].decode(): c.template for c in cands}


CASES = [
    ("operator.comparison", """
        def last_index(xs, i):
            if i < len(xs):
                return i
            return -1
        """, 3, "if i < len(xs):", "if i <= len(xs):"),
    ("off_by_one", """
        def total(n):
            s = 0
            for k in range(1, n):
                s += k
            return s
        """, 4, "range(1, n)", "range(n)"),
    ("off_by_one", """
        def head(xs, n):
            return xs[:n - 1]
        """, 3, "xs[:n - 1]", "xs[:n]"),
    ("off_by_one", """
        def count_up(n):
            return list(range(n))
        """, 3, "range(n)", "range(n + 1)"),
    ("swap.operands", """
        def diff(a, b):
            return a - b
        """, 3, "a - b", "b - a"),
    ("call.builtin_swap", """
        def largest(xs):
            return min(xs)
        """, 3, "min(xs)", "max(xs)"),
    ("statement.insert_guard", """
        def first_word(text):
            words = text.split()
            return words[0]
        """, 3, "    words = text.split()\n", "    if text is None:\n        return\n    words = text.split()\n"),
    ("statement.delete", """
        def add_all(xs):
            total = 0
            for x in xs:
                total += x
                total += x
            return total
        """, 6, "        total += x\n        total += x\n", "        total += x\n"),
    ("identifier.replace", """
        def area(width, height):
            return width * width
        """, 3, "width * width", "width * height"),
    ("attribute.replace", """
        class Counter:
            def __init__(self):
                self.count = 0
                self.total = 0

            def add(self, n):
                self.total += n
                self.count += 1

            def mean(self):
                return self.count / self.count
        """, 12, "self.count / self.count", "self.total / self.count"),
    ("swap.arguments", """
        def pad(s, width):
            return s.rjust(width)

        def show(n):
            return pad(8, str(n))
        """, 6, "pad(8, str(n))", "pad(str(n), 8)"),
    ("operator.boolean", """
        def valid(x, lo, hi):
            return x < lo and x > hi
        """, 3, "x < lo and x > hi", "x < lo or x > hi"),
    ("operator.arithmetic", """
        def mean(xs):
            return sum(xs) // len(xs)
        """, 3, "//", "/"),
    ("operator.augmented", """
        def countdown(n):
            steps = 0
            while n > 0:
                n += 1
                steps += 1
            return steps
        """, 5, "n += 1", "n -= 1"),
    ("condition.negate", """
        def evens(xs):
            return [x for x in xs if x % 2]
        """, 3, "if x % 2]", "if not x % 2]"),
    ("condition.strengthen", """
        def is_big(item):
            if item.size > 10:
                return True
            return False
        """, 3, "if item.size > 10:", "if item is not None and item.size > 10:"),
    ("condition.weaken", """
        def needs_default(value):
            if value == "":
                return True
            return False
        """, 3, 'if value == "":', 'if value is None or value == "":'),
    ("call.wrap", """
        def remaining(total, used):
            return total - used
        """, 3, "return total - used", "return max(0, total - used)"),
    ("call.unwrap", """
        def delta(a, b):
            return abs(a - b)
        """, 3, "abs(a - b)", "a - b"),
    ("literal.replace", """
        def is_empty(xs):
            found = True
            for _ in xs:
                found = False
            return found
        """, 3, "found = True", "found = False"),
    ("return.value", """
        def subsets(xs):
            if not xs:
                return []
            rest = subsets(xs[1:])
            return rest + [[xs[0]] + r for r in rest]
        """, 4, "return []", "return [[]]"),
    ("statement.insert", """
        def tally(xs):
            n = seen = 0
            for x in xs:
                seen += 1
                if x:
                    n += 1
            return n, seen

        def tally_positive(xs):
            n = seen = 0
            for x in xs:
                if x > 0:
                    n += 1
            return n, seen
        """, 13, "        if x > 0:\n", "        seen += 1\n        if x > 0:\n"),
    ("statement.move", """
        def numbered(lines):
            out = []
            i = 0
            for line in lines:
                i += 1
                out.append((i, line))
            return out
        """, 6, "        i += 1\n        out.append((i, line))\n", "        out.append((i, line))\n        i += 1\n"),
    ("return.insert", """
        def squares(xs):
            result = [x * x for x in xs]
        """, 3, "result = [x * x for x in xs]\n", "result = [x * x for x in xs]\n    return result\n"),
    ("statement.insert_break", """
        def index_of(xs, target):
            found = -1
            for i, x in enumerate(xs):
                if x == target:
                    found = i
            return found
        """, 5, "            found = i\n", "            found = i\n            break\n"),
    ("default.replace", """
        def join(parts, sep=","):
            return sep.join(parts)
        """, 2, 'sep=","', 'sep=""'),
    ("call.builtin_swap", """
        def shout(s):
            return s.lower().lstrip()
        """, 3, "s.lower().lstrip()", "s.upper().lstrip()"),
    ("statement.wrap_if", """
        def is_weekday(day):
            return day.weekday() < 5

        def add_weekdays(day, n):
            while n > 0:
                day = day.next()
                n -= 1
            return day

        def count_weekdays(days):
            return sum(1 for day in days if is_weekday(day))
        """, 8, "        n -= 1\n", "        if is_weekday(day):\n            n -= 1\n"),
    ("statement.wrap_if", """
        def format_parts(counts):
            parts = []
            for unit, count in counts:
                parts.append(f"{count}{unit}")
            return " ".join(parts)
        """, 5, "        parts.append(", "        if count:\n            parts.append("),
    ("statement.wrap_if", """
        import re

        def parse_date(text):
            found = None
            m = re.match(r"(\\d+)-(\\d+)", text)
            if m:
                found = m.group(1) + m.group(2)
            return str(found)
        """, 9, "    return str(found)\n", "    if found is not None:\n        return str(found)\n"),
    ("operator.unary", """
        def days_between(start, end):
            return days_until(end, start)
        """, 3, "return days_until(end, start)", "return -days_until(end, start)"),
    ("call.builtin_swap", """
        def iso_weekday(day):
            return day.weekday()
        """, 3, "day.weekday()", "day.isoweekday()"),
    ("call.copy", """
        import copy

        def merge(base, override):
            merged = base
            merged.update(override)
            return merged
        """, 5, "merged = base", "merged = copy.deepcopy(base)"),
    ("swap.elements", """
        def split_pair(line):
            for sep in (":", "="):
                if sep in line:
                    return line.split(sep, 1)
            return None
        """, 3, '(":", "=")', '("=", ":")'),
    ("off_by_one", """
        def numbered(lines):
            return [(n, line) for n, line in enumerate(lines)]
        """, 3, "enumerate(lines)", "enumerate(lines, start=1)"),
    ("off_by_one", """
        def flatten(xs, depth):
            out = []
            for x in xs:
                if isinstance(x, list) and depth > 0:
                    out.extend(flatten(x, depth))
                else:
                    out.append(x)
            return out
        """, 6, "flatten(x, depth)", "flatten(x, depth - 1)"),
    ("off_by_one", """
        def camel(words):
            return words[0] + "".join(w.title() for w in words)
        """, 3, "for w in words)", "for w in words[1:])"),
    ("off_by_one", """
        def median(xs):
            mid = len(xs) // 2
            return (xs[mid] + xs[mid + 1]) / 2
        """, 4, "xs[mid] + xs[mid + 1]", "xs[mid - 1] + xs[mid]"),
    ("swap.operands", """
        def variance(ss, n, sample):
            return ss / (n - 1 if sample else n)
        """, 3, "n - 1 if sample else n", "n if sample else n - 1"),
    ("condition.weaken", """
        def insert(node, value):
            if value < node.value:
                node.left = value
            elif value > node.value:
                node.right = value
            return node
        """, 5, "elif value > node.value:", "else:"),
    ("attribute.replace", """
        class Parser:
            def expr(self):
                return self.term()

            def term(self):
                value = self.unary()
                return value * self.term()

            def unary(self):
                return self.atom()

            def atom(self):
                return self.take()

            def take(self):
                return 1

            def peek(self):
                return self.bump()
        """, 8, "value * self.term()", "value * self.unary()"),
    ("return.insert", """
        def insert(root, value):
            if value < root.value:
                root.left = value
            else:
                root.right = value
        """, 6, "        root.right = value\n", "        root.right = value\n    return root\n"),
    ("call.keyword", """
        def evict(cache):
            return cache.popitem()
        """, 3, "cache.popitem()", "cache.popitem(last=False)"),
    ("call.keyword", """
        def newest_first(xs):
            return sorted(xs, reverse=True)
        """, 3, "sorted(xs, reverse=True)", "sorted(xs)"),
    ("statement.move", """
        def net(log, sku):
            total = 0
            for name, qty in log:
                if name != sku:
                    continue
            total += qty
            return total
        """, 7, "\n    total += qty\n", "\n        total += qty\n"),
    ("expression.clamp", """
        def interpolate(values, pos):
            ordered = sorted(values)
            lo = int(pos)
            hi = lo + 1
            return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)
        """, 5, "hi = lo + 1", "hi = min(lo + 1, len(ordered) - 1)"),
    ("attribute.swap", """
        class Frac:
            def __init__(self, num, den):
                self.num, self.den = num, den

            def __lt__(self, other):
                return self.num * other.num < other.den * self.den
        """, 7, "self.num * other.num < other.den * self.den",
        "self.num * other.den < other.num * self.den"),
    ("statement.insert_negate", """
        def signed_product(xs):
            result = 1
            for x in xs:
                if x < 0:
                    x = abs(x)
                result *= x
            return result
        """, 6, "            x = abs(x)\n", "            x = abs(x)\n            result = -result\n"),
    ("statement.insert_field", """
        class Queue:
            def __init__(self):
                self.head = None
                self.tail = None

            def push(self, node):
                if self.tail is None:
                    self.head = self.tail = node
                else:
                    self.tail.next = node
                    self.tail = node

            def pop(self):
                node = self.head
                self.head = node.next
                return node
        """, 17, "        self.head = node.next\n",
        "        self.head = node.next\n        if node is self.tail:\n            self.tail = None\n"),
    ("condition.add_field", """
        def descend(node):
            while len(node.children) == 1:
                node = node.children[0]
            return node

        def mark(node):
            node.count += 1
        """, 3, "while len(node.children) == 1:", "while len(node.children) == 1 and node.count == 0:"),
    ("expression.subtract_len", """
        def truncate(text: str, width: int, suffix: str = "...") -> str:
            if len(text) <= width:
                return text
            return text[:width] + suffix
        """, 5, "text[:width]", "text[:width - len(suffix)]"),
    ("statement.insert_flush", """
        def chunks(words, size):
            out, current = [], []
            for word in words:
                if len(current) == size:
                    out.append(current)
                    current = []
                current.append(word)
            return out
        """, 9, "    return out\n", "    if current:\n        out.append(current)\n    return out\n"),
]


@pytest.mark.parametrize("kind,buggy,line,old,new", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_correct_fix_is_generated(kind, buggy, line, old, new):
    source = textwrap.dedent(buggy)
    assert old in source
    expected = source.replace(old, new, 1)
    fixes = _fixes(buggy, line)
    assert expected in fixes, f"{kind} fix missing; got {len(fixes)} candidates"
    assert fixes[expected] == kind


def test_only_a_functions_last_return_is_wrapped():
    """Wrapped, an early return would fall through into the rest of the function."""
    src = "def f(x):\n    if x > 3:\n        return x - 1\n    y = x * 2\n    return y\n"
    early = "def f(x):\n    if x > 3:\n        if x:\n            return x - 1\n    y = x * 2\n    return y\n"
    assert early not in _fixes(src, 3)
    assert "def f(x):\n    if x > 3:\n        return x - 1\n    y = x * 2\n    if y:\n        return y\n" in _fixes(src, 5)


def test_commutative_operands_are_not_swapped():
    fixes = _fixes("def f(a, b):\n    return a + b * 2\n", 2)
    assert "def f(a, b):\n    return b * 2 + a\n" not in fixes
    assert "swap.operands" not in fixes.values()


def test_identifier_never_replaced_by_itself_and_not_self():
    src = "class A:\n    def f(self, x, y):\n        return self.g(x)\n"
    for patched, kind in _fixes(src, 3).items():
        if kind == "identifier.replace":
            assert patched != src and "return y.g(x)" not in patched and "self.g(self)" not in patched


def test_inserted_statements_keep_indentation_with_tabs():
    src = "def f(xs):\n\tfor x in xs:\n\t\tprint(x.name)\n"
    fixes = _fixes(src, 3)
    guard = "def f(xs):\n\tfor x in xs:\n\t\tif x is None:\n\t\t\tcontinue\n\t\tprint(x.name)\n"
    assert fixes.get(guard) == "statement.insert_guard"


def test_off_by_one_parenthesises_only_where_python_would_group_differently():
    windows = "def windows(values, k):\n    return [values[i:i + k] for i in range(len(values) - k)]\n"
    fixes = _fixes(windows, 2)
    assert windows.replace("range(len(values) - k)", "range(len(values) - k + 1)") in fixes
    assert windows.replace("range(len(values) - k)", "range(len(values) - k - 1)") in fixes
    assert not [f for f in fixes if "(len(values) - k) + 1" in f or "(len(values) - k) - 1" in f]
    loose = "def pick(xs, a, b):\n    return xs[a or b]\n"
    assert loose.replace("xs[a or b]", "xs[(a or b) + 1]") in _fixes(loose, 2)
    shift = "def pair(xs, i, j):\n    return xs[i * j] + xs[i << j]\n"
    shifted = _fixes(shift, 2)
    assert shift.replace("xs[i * j] + xs[i << j]", "xs[i * j + 1] + xs[(i << j) + 1]") in shifted
