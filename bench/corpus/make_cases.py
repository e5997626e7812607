#!/usr/bin/env python3
"""(Re)generate cases/<name>/{bug.patch,case.toml} from the bug specs below.

Each spec names a base project under packages/ and one or more exact text replacements
(old -> new, each old string must occur exactly once) that inject the bug.  The patch is
produced with ``diff -u`` (a/ b/ labels) and the ``failing`` list is measured by running
the project's suite on the buggy copy, so it is exact by construction; review the printed
table (every case needs >= 1 failing and >= 1 passing test), then run check_corpus.py.

Usage: python bench/corpus/make_cases.py [CASE ...]
"""
import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import check_corpus as cc  # noqa: E402

# Specs: (name, pkg, kind, edits, description, [(file, old, new), ...])
S = []
def c(name, pkg, kind, edits, desc, *reps):
    S.append((name, pkg, kind, edits, desc, list(reps)))

# ---------------- shopkit
c("shopkit-reorder-boundary", "shopkit", "off-by-one", 1,
  "needs_reorder uses < instead of <=, missing items exactly at their reorder level",
  ("shopkit/inventory.py", "if item.quantity <= item.reorder_level)", "if item.quantity < item.reorder_level)"))
c("shopkit-remove-exact-stock", "shopkit", "off-by-one", 1,
  "Inventory.remove rejects removing exactly the whole stock (>= instead of >)",
  ("shopkit/inventory.py", "if qty > item.quantity:", "if qty >= item.quantity:"))
c("shopkit-mutable-history", "shopkit", "mutable-default", 2,
  "Account uses a mutable default list for history, shared between accounts",
  ("shopkit/accounts.py", "history: list | None = None) -> None:", "history: list = []) -> None:"),
  ("shopkit/accounts.py", "self.history = history if history is not None else []", "self.history = history"))
c("shopkit-coupon-min-spend", "shopkit", "off-by-one", 1,
  "coupon eligibility uses > min_spend instead of >=",
  ("shopkit/cart.py", "if subtotal >= coupon.min_spend:", "if subtotal > coupon.min_spend:"))
c("shopkit-best-coupon-min", "shopkit", "wrong-builtin", 1,
  "discount keeps the smallest coupon (min) instead of the best (max)",
  ("shopkit/cart.py", "best = max(best, coupon.amount_off(subtotal))", "best = min(best, coupon.amount_off(subtotal))"))
c("shopkit-tax-before-discount", "shopkit", "logic", 1,
  "total applies tax before subtracting the discount instead of after",
  ("shopkit/cart.py", "        taxable = self.subtotal() - self.discount()\n        return round(taxable * (1 + self.tax_rate), 2)",
   "        return round(self.subtotal() * (1 + self.tax_rate) - self.discount(), 2)"))
c("shopkit-transfer-swapped", "shopkit", "swapped-args", 2,
  "transfer withdraws from the destination and deposits into the source",
  ("shopkit/accounts.py", "        self.withdraw(amount)\n        other.deposit(amount)",
   "        other.withdraw(amount)\n        self.deposit(amount)"))

# ---------------- textkit
c("textkit-slug-trailing-sep", "textkit", "missing-call", 1,
  "slugify truncation leaves a dangling separator (missing rstrip)",
  ("textkit/strings.py", "slug = slug[:max_length].rstrip(sep)", "slug = slug[:max_length]"))
c("textkit-slug-hardcoded-sep", "textkit", "two-edits", 2,
  "slugify hardcodes '-' in both the substitution and the strip, ignoring sep",
  ("textkit/strings.py", 're.sub(r"[^a-zA-Z0-9]+", sep, ascii_text).strip(sep).lower()',
   're.sub(r"[^a-zA-Z0-9]+", "-", ascii_text).strip("-").lower()'))
c("textkit-wrap-width-boundary", "textkit", "off-by-one", 1,
  "wrap breaks lines that would be exactly width long (< instead of <=)",
  ("textkit/strings.py", "elif len(current) + 1 + len(word) <= width:", "elif len(current) + 1 + len(word) < width:"))
c("textkit-wrap-last-line", "textkit", "missing-statement", 1,
  "wrap forgets to flush the last line after the loop",
  ("textkit/strings.py", "    if current:\n        lines.append(current)\n    return lines", "    return lines"))
c("textkit-truncate-ellipsis-room", "textkit", "wrong-expression", 1,
  "truncate does not leave room for the ellipsis, producing strings longer than width",
  ("textkit/strings.py", "return text[: width - len(ellipsis)] + ellipsis", "return text[:width] + ellipsis"))
c("textkit-ngrams-range", "textkit", "off-by-one", 1,
  "ngrams loop stops one window early (range end missing + 1)",
  ("textkit/tokens.py", "for i in range(len(tokens) - n + 1)]", "for i in range(len(tokens) - n)]"))
c("textkit-template-strict-inverted", "textkit", "wrong-condition", 1,
  "render re-raises missing variables when strict is False instead of True",
  ("textkit/template.py", "            if strict:\n                raise", "            if not strict:\n                raise"))
c("textkit-camel-slice", "textkit", "off-by-one", 1,
  "camel_case capitalizes words[0:] instead of words[1:], duplicating the head word",
  ("textkit/strings.py", 'return head + "".join(w.capitalize() for w in words[1:])', 'return head + "".join(w.capitalize() for w in words)'))

# ---------------- numkit
c("numkit-median-even-index", "numkit", "off-by-one", 1,
  "median of even-length input averages the wrong pair (mid, mid+1)",
  ("numkit/stats.py", "return (ordered[mid - 1] + ordered[mid]) / 2", "return (ordered[mid] + ordered[mid + 1]) / 2"))
c("numkit-variance-ddof-swapped", "numkit", "swapped-branches", 1,
  "variance uses n for the sample and n-1 for the population (branches swapped)",
  ("numkit/stats.py", "return ss / (n - 1 if sample else n)", "return ss / (n if sample else n - 1)"))
c("numkit-percentile-clamp", "numkit", "missing-guard", 1,
  "percentile does not clamp the upper index, IndexError at p=100",
  ("numkit/stats.py", "hi = min(lo + 1, len(ordered) - 1)", "hi = lo + 1"))
c("numkit-moving-average-window", "numkit", "off-by-one", 1,
  "moving_average drops the leaving element one step late (> instead of >=)",
  ("numkit/stats.py", "        if i >= window:\n", "        if i > window:\n"))
c("numkit-rational-sign", "numkit", "missing-guard", 1,
  "Rational does not move a negative sign from the denominator to the numerator",
  ("numkit/rational.py", "        if den < 0:\n            num, den = -num, -den\n", ""))
c("numkit-rational-not-reduced", "numkit", "two-edits", 2,
  "Rational computes the gcd but never divides numerator and denominator by it",
  ("numkit/rational.py", "        self.num = num // g\n        self.den = den // g", "        self.num = num\n        self.den = den"))
c("numkit-rational-lt-cross", "numkit", "wrong-variable", 1,
  "Rational.__lt__ cross-multiplies the wrong fields",
  ("numkit/rational.py", "return self.num * other.den < other.num * self.den", "return self.num * other.num < other.den * self.den"))
c("numkit-det-pivot-sign", "numkit", "missing-statement", 1,
  "determinant forgets to flip the sign when swapping pivot rows",
  ("numkit/matrix.py", "            det = -det\n", ""))
c("numkit-matmul-inner-dim", "numkit", "wrong-variable", 1,
  "matmul sums over len(a) instead of the inner dimension len(b)",
  ("numkit/matrix.py", "for k in range(len(b))) for j in range(cols)]", "for k in range(len(a))) for j in range(cols)]"))

# ---------------- structs
c("structs-remove-tail-pointer", "structs", "missing-statement", 1,
  "LinkedList.remove does not update tail when the last node is removed",
  ("structs/linked.py", "                if node is self.tail:\n                    self.tail = prev\n", ""))
c("structs-reverse-tail", "structs", "missing-statement", 1,
  "LinkedList.reverse does not reset the tail pointer",
  ("structs/linked.py", "        self.tail = self.head\n        while node is not None:", "        while node is not None:"))
c("structs-heap-sift-down-compare", "structs", "wrong-variable", 1,
  "_sift_down compares the right child to the left child instead of the current smallest",
  ("structs/heap.py", "if right < n and heap[right] < heap[smallest]:", "if right < n and heap[right] < heap[left]:"))
c("structs-lru-get-no-refresh", "structs", "missing-statement", 1,
  "LRUCache.get does not mark the key as recently used",
  ("structs/cache.py", "        self.hits += 1\n        self._data.move_to_end(key)\n", "        self.hits += 1\n"))
c("structs-lru-evict-newest", "structs", "wrong-argument", 1,
  "LRUCache evicts the newest entry (popitem() instead of popitem(last=False))",
  ("structs/cache.py", "self._data.popitem(last=False)", "self._data.popitem()"))
c("structs-trie-lcp-stops-at-word", "structs", "missing-condition", 1,
  "longest_common_prefix walks past a stored word that is a prefix of others",
  ("structs/trie.py", "while len(node.children) == 1 and node.count == 0:", "while len(node.children) == 1:"))
c("structs-merge-touching", "structs", "off-by-one", 1,
  "merge_intervals does not merge intervals that only touch (< instead of <=)",
  ("structs/intervals.py", "if result and start <= result[-1][1]:", "if result and start < result[-1][1]:"))

# ---------------- recur
c("recur-height-base-case", "recur", "wrong-base-case", 1,
  "height returns -1 for the empty tree (edge-count convention) instead of 0",
  ("recur/trees.py", "    if node is None:\n        return 0\n    return 1 + max", "    if node is None:\n        return -1\n    return 1 + max"))
c("recur-bst-drops-duplicates", "recur", "logic", 1,
  "bst_insert silently drops duplicates (else became elif value > root.value)",
  ("recur/trees.py", "    else:\n        root.right = bst_insert(root.right, value)", "    elif value > root.value:\n        root.right = bst_insert(root.right, value)"))
c("recur-bst-missing-return", "recur", "missing-return", 1,
  "bst_insert forgets to return the root after recursing",
  ("recur/trees.py", "        root.right = bst_insert(root.right, value)\n    return root\n", "        root.right = bst_insert(root.right, value)\n"))
c("recur-paths-leaf-or", "recur", "wrong-operator", 1,
  "root_to_leaf_paths treats a node with one child as a leaf (or instead of and)",
  ("recur/trees.py", "if node.left is None and node.right is None:", "if node.left is None or node.right is None:"))
c("recur-combinations-guard", "recur", "off-by-one", 1,
  "combinations prunes when len(items) == k, losing the full selection",
  ("recur/combinatorics.py", "if len(items) < k:", "if len(items) <= k:"))
c("recur-flatten-depth", "recur", "off-by-one", 1,
  "flatten does not decrement depth when recursing",
  ("recur/combinatorics.py", "None if depth is None else depth - 1", "None if depth is None else depth"))
c("recur-lis-strict", "recur", "wrong-operator", 1,
  "longest_increasing_subsequence accepts equal elements (<= instead of <)",
  ("recur/dp.py", "if seq[j] < seq[i] and length[j] + 1 > length[i]:", "if seq[j] <= seq[i] and length[j] + 1 > length[i]:"))
c("recur-knapsack-fits", "recur", "off-by-one", 1,
  "knapsack rejects an item whose weight equals the remaining capacity",
  ("recur/dp.py", "if weight > cap:", "if weight >= cap:"))
c("recur-edit-distance-base", "recur", "wrong-variable", 1,
  "edit_distance base case returns j instead of i when the second string is exhausted",
  ("recur/dp.py", "        if j == 0:\n            return i", "        if j == 0:\n            return j"))

# ---------------- datekit
c("datekit-range-exclusive-end", "datekit", "off-by-one", 1,
  "date_range excludes the end date (< instead of <=)",
  ("datekit/ranges.py", "while day <= end:", "while day < end:"))
c("datekit-add-bd-counts-weekends", "datekit", "missing-guard", 1,
  "add_business_days decrements the counter for every calendar day (business-day check missing)",
  ("datekit/business.py", "        if is_business_day(day, holidays):\n            remaining -= 1", "        remaining -= 1"))
c("shopkit-movements-dedent", "shopkit", "indentation", 1,
  "Inventory.movements accumulates after the loop instead of inside it (statement dedented)",
  ("shopkit/inventory.py", "            net += qty if direction == \"in\" else -qty", "        net += qty if direction == \"in\" else -qty"))
c("datekit-between-sign", "datekit", "missing-negation", 1,
  "business_days_between loses the sign for reversed ranges",
  ("datekit/business.py", "return -business_days_between(end, start, holidays)", "return business_days_between(end, start, holidays)"))
c("datekit-add-months-index", "datekit", "off-by-one", 1,
  "add_months uses the 1-based month in the month index",
  ("datekit/ranges.py", "index = day.year * 12 + (day.month - 1) + months", "index = day.year * 12 + day.month + months"))
c("datekit-iso-week-isoweekday", "datekit", "wrong-method", 1,
  "iso_week_dates uses isoweekday() (1-based) where weekday() is needed",
  ("datekit/ranges.py", "jan4 - timedelta(days=jan4.weekday())", "jan4 - timedelta(days=jan4.isoweekday())"))
c("datekit-format-zero-units", "datekit", "missing-guard", 1,
  "format_duration emits zero-count units (missing if count)",
  ("datekit/durations.py", "        if count:\n            parts.append(f\"{count}{unit}\")", "        parts.append(f\"{count}{unit}\")"))
c("datekit-months-between-day", "datekit", "off-by-one", 1,
  "months_between does not count a month when the day of month is equal",
  ("datekit/ranges.py", "if end.day < start.day:", "if end.day <= start.day:"))

# ---------------- miniparse
c("miniparse-ini-separator-order", "miniparse", "wrong-order", 1,
  "INI parser splits on ':' before '=', breaking values that contain a colon",
  ("miniparse/ini.py", 'for sep in ("=", ":"):', 'for sep in (":", "="):'))
c("miniparse-ini-lineno", "miniparse", "off-by-one", 1,
  "IniError line numbers are 0-based (enumerate without start=1)",
  ("miniparse/ini.py", "enumerate(text.splitlines(), start=1)", "enumerate(text.splitlines())"))
c("miniparse-unquote-plus", "miniparse", "missing-statement", 1,
  "unquote does not turn '+' into a space",
  ("miniparse/query.py", '    text = text.replace("+", " ")\n', ""))
c("miniparse-qs-keep-blank", "miniparse", "wrong-condition", 1,
  "parse_qs drops blank values exactly when keep_blank is True",
  ("miniparse/query.py", "if not value and not keep_blank:", "if not value and keep_blank:"))
c("miniparse-expr-term-assoc", "miniparse", "wrong-call", 1,
  "term parses its right operand with term() making * and / right-associative",
  ("miniparse/expr.py", "            op = self.take()\n            rhs = self.unary()", "            op = self.take()\n            rhs = self.term()"))
c("miniparse-expr-power-exponent", "miniparse", "wrong-call", 1,
  "power parses the exponent with power() so a negative exponent is a syntax error",
  ("miniparse/expr.py", "return base ** self.unary()", "return base ** self.power()"))
c("miniparse-expr-trailing-tokens", "miniparse", "missing-guard", 1,
  "evaluate ignores trailing tokens after a complete expression",
  ("miniparse/expr.py", "    if parser.peek() is not None:\n        raise ExprError(f\"unexpected token {parser.peek()!r}\")\n", ""))

# ---------------- dictops
c("dictops-dedup-seen-item", "dictops", "wrong-variable", 1,
  "dedup records the item instead of its key in the seen set",
  ("dictops/grouping.py", "seen.add(marker)", "seen.add(item)"))
c("dictops-merge-aliases-base", "dictops", "missing-copy", 1,
  "deep_merge works on base itself instead of a copy, mutating the caller's dict",
  ("dictops/merge.py", "merged = copy.deepcopy(base)", "merged = base"))
c("dictops-merge-non-dict-override", "dictops", "missing-condition", 1,
  "deep_merge recurses even when the override value is not a dict",
  ("dictops/merge.py", "if isinstance(value, dict) and isinstance(merged.get(key), dict):", "if isinstance(merged.get(key), dict):"))
c("dictops-flatten-empty-dict", "dictops", "missing-condition", 1,
  "flatten_keys recurses into empty dicts, losing the key",
  ("dictops/merge.py", "if isinstance(value, dict) and value:", "if isinstance(value, dict):"))
c("dictops-index-stale-terms", "dictops", "missing-statement", 1,
  "InvertedIndex.remove leaves empty posting sets in the vocabulary",
  ("dictops/index.py", "            docs.discard(doc_id)\n            if not docs:\n                del self._postings[term]", "            docs.discard(doc_id)"))
c("dictops-index-and-or-swapped", "dictops", "two-edits", 2,
  "search uses union for 'and' and intersection for 'or'",
  ("dictops/index.py", "result = set.intersection(*sets)", "result = set.union__TMP(*sets)"),
  ("dictops/index.py", "result = set.union(*sets)", "result = set.intersection(*sets)"),
  ("dictops/index.py", "result = set.union__TMP(*sets)", "result = set.union(*sets)"))
c("dictops-count-by-default", "dictops", "wrong-default", 1,
  "count_by starts each new key at 1 (get default 1 instead of 0)",
  ("dictops/grouping.py", "counts[k] = counts.get(k, 0) + 1", "counts[k] = counts.get(k, 1) + 1"))
c("dictops-invert-get-not-setdefault", "dictops", "wrong-method", 1,
  "invert(unique=False) uses dict.get instead of setdefault, so lists are never stored",
  ("dictops/grouping.py", "multi.setdefault(v, []).append(k)", "multi.get(v, []).append(k)"))


def generate(only: set[str]) -> int:
    problems = 0
    for name, pkg, kind, edits, desc, reps in S:
        if only and name not in only:
            continue
        project = cc.PACKAGES_DIR / pkg
        with tempfile.TemporaryDirectory() as tmp:
            work = cc.copy_project(project, Path(tmp))
            files: list[str] = []
            for f, old, new in reps:
                p = work / f
                txt = p.read_text()
                n = txt.count(old)
                if n != 1:
                    raise SystemExit(f"{name}: {old!r} occurs {n} times in {f}")
                p.write_text(txt.replace(old, new))
                if f not in files:
                    files.append(f)
            patch = ""
            for f in files:
                d = subprocess.run(["diff", "-u", "--label", f"a/{f}", "--label", f"b/{f}",
                                    str(project / f), str(work / f)], capture_output=True, text=True)
                patch += d.stdout
            res = cc.run_pytest(work)
        case_dir = cc.CASES_DIR / name
        case_dir.mkdir(parents=True, exist_ok=True)
        (case_dir / "bug.patch").write_text(patch)
        failing = sorted(res.failed)
        (case_dir / "case.toml").write_text(
            f'project = "../../packages/{pkg}"\nbug_patch = "bug.patch"\n'
            f"failing = {json.dumps(failing)}\n"
            f"description = {json.dumps(desc)}\nkind = \"{kind}\"\nedits = {edits}\n")
        bad = not (failing and res.passed)
        problems += bad
        print(f"{name:40} fail={len(failing)} pass={len(res.passed)}{'   <-- PROBLEM' if bad else ''}",
              flush=True)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(generate(set(sys.argv[1:])))
