"""Diagnostics: failing tests get an error on the test's name (message = the assertion or error),
the top suspicious lines of the latest localization get hints, and the lines a pending fix would
change get an Information diagnostic for clients without `remedy/proposal` (plain_clients.py).
The first two come from the session's `TestsRan` and `Localized` events; all are re-placed on
every edit of the file, so they follow the code while the user types."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from lsprotocol import types

from agent import BadInput, Localized, TestsRan, find_tests, node_file, node_names, selects

from . import convert, plain_clients

if TYPE_CHECKING:
    from .server import RemedyServer

__all__ = ["SOURCE", "TestDiagnostics", "did_open", "did_change", "did_save", "split_test_id", "publish"]

SOURCE = "remedy"
USER_CODE_PURPOSES = ("reproduce", "run", "watch")   # runs of the user's code, not of a candidate
MAX_HINTS = 3
MAX_MESSAGE = 2000


def split_test_id(test_id: str) -> tuple[str, str]:
    """"tests/test_x.py::TestK::test_m" -> ("tests/test_x.py", "TestK::test_m")."""
    return node_file(test_id), "::".join(node_names(test_id))     # parametrized ids point at their function


@dataclass
class TestDiagnostics:
    failing: dict[Path, dict[str, str]] = field(default_factory=dict)    # root -> testId -> message
    hints: dict[Path, list[tuple[str, int, float]]] = field(default_factory=dict)  # (path, line0, score)

    __test__ = False

    def on_tests_ran(self, root: Path, event: TestsRan) -> set[str]:
        """Record a run; returns the paths whose diagnostics changed."""
        if event.purpose not in USER_CODE_PURPOSES:
            return set()
        failing = self.failing.setdefault(root, {})
        touched = set()
        for test_id in event.passed:
            if failing.pop(test_id, None) is not None:
                touched.add(split_test_id(test_id)[0])
        for failure in event.failed:
            test_id = failure.get("testId", "")
            failing[test_id] = (failure.get("message") or failure.get("outcome") or "failed")[:MAX_MESSAGE]
            touched.add(split_test_id(test_id)[0])
        return touched

    def on_watch_run(self, root: Path, failing: dict[str, str], ran: list[str],
                     fixed: list[str]) -> set[str]:
        """Record a background watch run: `failing` testId (or a test file that could not be
        collected) -> message; what it ran and did not find failing passes now, as do `fixed`."""
        known = self.failing.setdefault(root, {})
        touched = set()
        for test_id in [t for t in known if t not in failing and (t in fixed or _covered(t, ran))]:
            del known[test_id]
            touched.add(split_test_id(test_id)[0])
        for test_id, message in failing.items():
            known[test_id] = (message or "failed")[:MAX_MESSAGE]
            touched.add(split_test_id(test_id)[0])
        return touched

    def on_localized(self, root: Path, event: Localized) -> set[str]:
        old = {p for p, _, _ in self.hints.get(root, [])}
        top = sorted(event.lines, key=lambda s: -s.score)[:MAX_HINTS]
        self.hints[root] = [(s.path, s.line - 1, s.score) for s in top]
        return old | {p for p, _, _ in self.hints[root]}

    def failing_in(self, root: Path, path: str) -> dict[str, str]:
        return {t: m for t, m in self.failing.get(root, {}).items() if split_test_id(t)[0] == path}

    def build(self, root: Path, path: str, text: str) -> list[types.Diagnostic]:
        lines = text.splitlines()
        found: list[types.Diagnostic] = []
        failing = self.failing_in(root, path)
        if failing:
            tests = {t.node_id: t for t in find_tests(text)}
            for test_id, message in sorted(failing.items()):
                test = tests.get(split_test_id(test_id)[1])
                rng = (convert.name_range(lines, test.line, test.start_col, test.end_col) if test
                       else convert.line_range(lines, 0))
                found.append(types.Diagnostic(
                    range=rng, message=message, severity=types.DiagnosticSeverity.Error,
                    source=SOURCE, code="failing-test", data={"testId": test_id}))
        for hint_path, line, score in self.hints.get(root, []):
            if hint_path == path and line < len(lines):
                found.append(types.Diagnostic(
                    range=convert.line_range(lines, line), severity=types.DiagnosticSeverity.Hint,
                    message=f"suspicious line (score {score:.2f})", source=SOURCE, code="suspicious"))
        return found


def _covered(test_id: str, ran: list[str]) -> bool:
    """Whether a run of the ids or files in `ran` ran `test_id`."""
    return any(selects(r, test_id) for r in ran)


def publish(ls: "RemedyServer", root: Path, paths: set[str]) -> None:
    for path in sorted(paths):
        if not path:
            continue
        uri = convert.path_to_uri(root / path)
        try:
            text, version = ls.document(uri)
        except BadInput:
            continue
        found = (ls.test_diagnostics.build(root, path, text)
                 + plain_clients.hunk_diagnostics(ls, root, path, text))
        ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
            uri=uri, version=version, diagnostics=found))


def _republish(ls: "RemedyServer", uri: str) -> None:
    try:
        root = ls.root_for(uri)
        path = convert.relative_path(root, uri)
    except BadInput:
        return
    store = ls.test_diagnostics
    if (store.failing_in(root, path) or any(p == path for p, _, _ in store.hints.get(root, []))
            or ls.proposals.for_file(root, path)):
        publish(ls, root, {path})


def did_open(ls: "RemedyServer", params: types.DidOpenTextDocumentParams) -> None:
    _republish(ls, params.text_document.uri)


def did_change(ls: "RemedyServer", params: types.DidChangeTextDocumentParams) -> None:
    _republish(ls, params.text_document.uri)


def did_save(ls: "RemedyServer", params: types.DidSaveTextDocumentParams) -> None:
    _republish(ls, params.text_document.uri)
