"""server.proposals: placing a hunk in the text the editor has now (re-anchoring) or refusing it."""
import pytest

from agent.types import Hunk, Proposal
from server.proposals import PendingProposal, StaleHunk, locate, text_edit

BASE = "def f(a, b):\n    x = 1\n    return a < b\n\n\ndef g(a, b):\n    return a < b\n"
FIX_F = Hunk("h1", "m.py", 2, 3, "    return a < b\n", "    return a <= b\n")
FIX_G = Hunk("h2", "m.py", 6, 7, "    return a < b\n", "    return a > b\n")


def test_unchanged_text_places_hunk_where_computed():
    assert locate(FIX_F, BASE, BASE, 2) == 2
    assert locate(FIX_G, BASE, BASE, 6) == 6


def test_lines_inserted_above_reanchor_by_context():
    edited = "# a new comment\n# another\n" + BASE
    assert locate(FIX_F, BASE, edited, 2) == 4
    assert locate(FIX_G, BASE, edited, 6) == 8


def test_old_text_edited_is_refused():
    edited = BASE.replace("    return a < b\n\n", "    return a != b\n\n", 1)
    with pytest.raises(StaleHunk, match="edited since"):
        locate(FIX_F, BASE, edited, 2)


def test_ambiguous_old_text_is_refused():
    # The hunk's line and its neighbours now appear twice: no way to tell which one it was.
    hunk = Hunk("h", "m.py", 1, 2, "X\n", "Y\n")
    with pytest.raises(StaleHunk, match="cannot tell"):
        locate(hunk, "a\nX\nb\n", "z\na\nX\nb\na\nX\nb\n", 1)


def test_same_line_elsewhere_without_context_is_refused():
    # g's identical line must not receive f's fix after f's line was edited.
    edited = BASE.replace("x = 1\n    return a < b", "x = 1\n    return a != b")
    with pytest.raises(StaleHunk):
        locate(FIX_F, BASE, edited, 2)


def test_text_edit_covers_whole_lines():
    edit = text_edit(FIX_F, BASE, 2)
    assert (edit.range.start.line, edit.range.start.character) == (2, 0)
    assert (edit.range.end.line, edit.range.end.character) == (3, 0)
    assert edit.new_text == "    return a <= b\n"


def test_text_edit_on_last_line_without_newline_stays_inside_the_file():
    text = "x = 1\ny = 'é😀' < 2"
    hunk = Hunk("h", "m.py", 1, 2, "y = 'é😀' < 2", "y = 'é😀' <= 2")
    edit = text_edit(hunk, text, 1)
    assert (edit.range.end.line, edit.range.end.character) == (1, 13)   # UTF-16 units


def test_accepting_a_hunk_shifts_the_ones_below():
    grow = Hunk("h1", "m.py", 1, 2, "    x = 1\n", "    x = 1\n    y = 2\n")
    pending = PendingProposal(Proposal("p", "", ["m.py"], [grow, FIX_G], "s"), "job-1", None, [])
    pending.mark(grow, True)
    assert pending.expected_start(FIX_G) == 7
    assert [h.id for h in pending.pending()] == ["h2"]


def test_a_copy_of_the_old_line_moved_where_the_hunk_was_does_not_take_the_fix():
    # A new function pasted above puts its own copy of the buggy line exactly where the fix was
    # computed; the fix belongs to the original, now further down.
    base = "import math\n\n\ndef area(r):\n    return math.pi * r * 2\n"
    hunk = Hunk("h", "m.py", 4, 5, "    return math.pi * r * 2\n", "    return math.pi * r ** 2\n")
    edited = "import math\n\n\ndef ring(r):\n    return math.pi * r * 2\n\n\ndef area(r):\n    return math.pi * r * 2\n"
    assert locate(hunk, base, edited, 4) == 8


def test_two_equally_good_places_for_a_moved_line_are_refused():
    base = "def f():\n    return 1 - 1\n"
    hunk = Hunk("h", "m.py", 1, 2, "    return 1 - 1\n", "    return 1 + 1\n")
    edited = "x = 0\ndef f():\n    return 1 - 1\ndef f():\n    return 1 - 1\n"
    with pytest.raises(StaleHunk, match="cannot tell"):
        locate(hunk, base, edited, 1)


def test_review_selects_the_changed_tokens_not_the_whole_line():
    from server.review import changed_range

    def selected(old: str, new: str, start: int = 7) -> tuple[int, int, int, str]:
        rng = changed_range(Hunk("h1", "m.py", start, start + old.count("\n"), old, new), start)
        assert rng.start.line == rng.end.line
        line = old.splitlines()[rng.start.line - start]
        return rng.start.line, rng.start.character, rng.end.character, line[rng.start.character:rng.end.character]

    assert selected("    if quantity > LIMIT:\n", "    if quantity >= LIMIT:\n") == (7, 16, 17, ">")
    window = "    return [values[i:i + k] for i in range(len(values) - k)]\n"
    at = window.index("k)]") + 1
    assert selected(window, window.replace("- k)", "- k + 1)")) == (7, at, at, "")
    assert selected("a = 1\nb = 2\n", "a = 1\nb = 3\n") == (8, 4, 5, "2")
    emoji = changed_range(Hunk("h3", "m.py", 0, 1, "x = '😀' + y\n", "x = '😀' + z\n"), 0)
    assert (emoji.start.character, emoji.end.character) == (11, 12)          # UTF-16 columns
    whole = changed_range(Hunk("h2", "m.py", 3, 4, "x = 1\n", "x = 1\ny = 2\n"), 3)
    assert (whole.start.line, whole.start.character, whole.end.line) == (3, 0, 4)
