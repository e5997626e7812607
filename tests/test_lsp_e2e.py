"""End to end over real stdio (pytest-lsp): the server as a subprocess, the real engine, and a
client that behaves like an editor (it keeps buffers, checks versions, applies edits)."""
from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pygls.workspace import TextDocument
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

FIXTURE = Path(__file__).parent / "fixtures" / "lsp_ws"
JOB_TIMEOUT = 240

pytestmark = pytest.mark.slow


class Editor:
    """The editor side of the test client: open buffers with versions, and what the server sent."""

    def __init__(self, client: LanguageClient, root: Path):
        self.client, self.root = client, root
        self.docs: dict[str, TextDocument] = {}
        self.events: list[dict] = []
        self.proposals: list[dict] = []
        self.applied: list[types.ApplyWorkspaceEditParams] = []
        self.prompts: list[types.ShowMessageRequestParams] = []
        self.answer: str | None = None

    def uri(self, rel: str) -> str:
        return (self.root / rel).as_uri()

    def open(self, rel: str) -> str:
        uri = self.uri(rel)
        text = (self.root / rel).read_text()
        self.docs[uri] = TextDocument(uri, text, version=1)
        self.client.text_document_did_open(types.DidOpenTextDocumentParams(
            types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text)))
        return uri

    def change(self, uri: str, rng: types.Range, text: str) -> None:
        doc = self.docs[uri]
        change = types.TextDocumentContentChangePartial(range=rng, text=text)
        doc.apply_change(change)
        doc.version += 1
        self.client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=doc.version),
            content_changes=[change]))

    def save(self, uri: str) -> None:
        (self.root / Path(self.docs[uri].path).relative_to(self.root)).write_text(self.docs[uri].source)

    def apply(self, params: types.ApplyWorkspaceEditParams) -> types.ApplyWorkspaceEditResult:
        self.applied.append(params)
        for change in params.edit.document_changes or []:
            doc = self.docs.get(change.text_document.uri)
            if doc is None or change.text_document.version != doc.version:
                return types.ApplyWorkspaceEditResult(applied=False, failure_reason="version mismatch")
        for change in params.edit.document_changes or []:
            # LSP edits of one document all refer to its text before the edit: apply bottom-up.
            for edit in sorted(change.edits, key=lambda e: (e.range.start.line, e.range.start.character),
                               reverse=True):
                self.change(change.text_document.uri, edit.range, edit.new_text)
        return types.ApplyWorkspaceEditResult(applied=True)

    async def run(self, command: str, arg: dict):
        return await self.client.workspace_execute_command_async(
            types.ExecuteCommandParams(command=command, arguments=[arg]))

    async def job_end(self, job_id: str) -> dict:
        for _ in range(JOB_TIMEOUT * 10):
            for e in self.events:
                if e["jobId"] == job_id and e["type"] == "JobFinished":
                    return e
            await asyncio.sleep(0.1)
        raise AssertionError(f"{job_id} did not finish; events: {[e['type'] for e in self.events]}")

    def events_of(self, job_id: str) -> list[str]:
        return [e["type"] for e in self.events if e["jobId"] == job_id]


def copy_workspace(tmp: Path) -> Path:
    root = tmp / "ws"
    shutil.copytree(FIXTURE, root, ignore=shutil.ignore_patterns("__pycache__", ".remedy"))
    return root


def attach_editor(lsp_client: LanguageClient, root: Path) -> "Editor":
    """The client side of an editor: applies edits, records events, proposals and prompts."""
    ed = lsp_client.editor = Editor(lsp_client, root)
    lsp_client.feature(types.WORKSPACE_APPLY_EDIT)(lambda ls, params: ed.apply(params))
    lsp_client.feature(types.WORKSPACE_CODE_LENS_REFRESH)(lambda ls, params: None)
    lsp_client.feature("remedy/event")(lambda ls, params: ed.events.append(_plain(params)))
    lsp_client.feature("remedy/proposal")(lambda ls, params: ed.proposals.append(_plain(params)))

    @lsp_client.feature(types.WINDOW_SHOW_MESSAGE_REQUEST)
    def prompt(ls, params: types.ShowMessageRequestParams):
        ed.prompts.append(params)
        return types.MessageActionItem(title=ed.answer) if ed.answer else None

    return ed


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[sys.executable, "-m", "server"]))
async def client(lsp_client: LanguageClient, request):
    root = copy_workspace(request.getfixturevalue("tmp_path"))
    attach_editor(lsp_client, root)
    lsp_client.set_configuration({"remedy": {"engine": "builtin", "timeBudget": 120}})
    await lsp_client.initialize_session(types.InitializeParams(
        capabilities=client_capabilities("visual-studio-code"), root_uri=root.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name="ws")],
        initialization_options={"remedy": {"engine": "builtin", "timeBudget": 120}}))
    yield
    await lsp_client.shutdown_session()


@pytest.fixture
def editor(client) -> Editor:
    return client.editor


def _plain(params) -> dict:
    """pygls hands custom notifications over as attribute objects; make them plain data."""
    if hasattr(params, "_asdict"):
        return {k: _plain(v) for k, v in params._asdict().items()}
    if isinstance(params, (list, tuple)):
        return [_plain(p) for p in params]
    if hasattr(params, "__dict__") and not isinstance(params, type):
        return {k: _plain(v) for k, v in vars(params).items()}
    return params


async def lenses(ed: Editor, uri: str) -> list[types.CodeLens]:
    return await ed.client.text_document_code_lens_async(
        types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=uri)))


async def fix(ed: Editor, test_file: str, test_name: str) -> tuple[str, dict]:
    """Start "Fix this test" from the lens above `test_name`; wait for the job to end."""
    uri = ed.uri(test_file)
    lens = next(item for item in await lenses(ed, uri) if test_name in item.command.arguments[0]["testId"])
    assert lens.command.command == "remedy.fixTest"
    started = await ed.client.workspace_execute_command_async(types.ExecuteCommandParams(
        command=lens.command.command, arguments=lens.command.arguments))
    job_id = started["jobId"]
    return job_id, await ed.job_end(job_id)


def run_pytest(root: Path, *ids: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pytest", "-q", *ids], cwd=root, capture_output=True,
                          text=True, timeout=120)


async def test_fix_accept_one_hunk_reject_another(editor: Editor):
    ed = editor
    ranges_test = ed.open("tests/test_ranges.py")
    ed.open("tests/test_people.py")
    ranges_src, people_src = ed.open("calc/ranges.py"), ed.open("calc/people.py")

    titles = [(item.command.title, item.command.arguments[0]["testId"]) for item in await lenses(ed, ranges_test)]
    assert titles == [("Fix this test", "tests/test_ranges.py::test_in_range_includes_upper_bound"),
                      ("Fix this test", "tests/test_ranges.py::test_in_range_excludes_outside"),
                      ("Fix this test", "tests/test_ranges.py::TestSpan::test_span_counts_both_ends")]

    job1, end1 = await fix(ed, "tests/test_ranges.py", "test_in_range_includes_upper_bound")
    assert end1["data"]["state"] == "done", end1
    kinds = ed.events_of(job1)
    for kind in ("JobStarted", "PlanUpdated", "TestsRan", "Localized", "ProposalReady", "Done"):
        assert kind in kinds
    reports = ed.client.progress_reports[f"remedy/{job1}"]
    assert reports[0].kind == "begin" and reports[0].cancellable and reports[-1].kind == "end"
    assert any(r.kind == "report" for r in reports)

    failing = [d for d in ed.client.diagnostics[ranges_test] if d.source == "remedy"]
    assert failing and failing[0].range.start.line == 3 and "assert" in failing[0].message

    proposal1 = next(p for p in ed.proposals if p["jobId"] == job1)
    assert proposal1["uri"] == ranges_src and len(proposal1["hunks"]) == 1
    assert isinstance(proposal1["confidence"], float) and 0.0 <= proposal1["confidence"] <= 1.0
    hunk1 = proposal1["hunks"][0]
    assert "<" in hunk1["oldText"] and "<=" in hunk1["newText"] and hunk1["uri"] == ranges_src

    job2, end2 = await fix(ed, "tests/test_people.py", "test_eighteen_is_adult")
    proposal2 = next(p for p in ed.proposals if p["jobId"] == job2)
    hunk2 = proposal2["hunks"][0]

    titles = [item.command.title for item in await lenses(ed, ranges_src)]
    assert "Accept" in titles and "Reject" in titles and any("Accept all" in t for t in titles)

    actions = await ed.client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=ranges_test), range=failing[0].range,
        context=types.CodeActionContext(diagnostics=failing)))
    assert [a.title for a in actions] == ["Fix this test", "Review proposed fix"]

    version = ed.docs[ranges_src].version
    result = await ed.run("remedy.acceptHunk", {"proposalId": proposal1["proposalId"], "hunkId": hunk1["id"]})
    assert result["applied"] is True
    change = ed.applied[-1].edit.document_changes[0]
    assert change.text_document.uri == ranges_src and change.text_document.version == version
    assert change.edits[0].range.start.line == hunk1["range"]["start"]["line"]
    assert change.edits[0].new_text == hunk1["newText"]

    result = await ed.run("remedy.rejectHunk", {"proposalId": proposal2["proposalId"], "hunkId": hunk2["id"]})
    assert result == {"rejected": [hunk2["id"]], "pending": []}
    assert len(ed.applied) == 1
    assert ed.docs[people_src].source == (ed.root / "calc/people.py").read_text()

    decisions = (ed.root / ".remedy" / "decisions.jsonl").read_text().splitlines()
    assert [('"accepted": true' in d) for d in decisions] == [True, False]

    assert not [item for item in await lenses(ed, ranges_src) if item.command.title == "Accept"]
    ed.save(ranges_src)
    assert run_pytest(ed.root, "tests/test_ranges.py").returncode == 0
    assert run_pytest(ed.root, "tests/test_people.py").returncode == 1   # that fix was rejected
    with pytest.raises(Exception, match="unknown proposal"):
        await ed.run("remedy.acceptHunk", {"proposalId": proposal2["proposalId"], "hunkId": hunk2["id"]})


async def test_stale_proposal_refused_then_reanchored(editor: Editor):
    ed = editor
    src = ed.open("calc/ranges.py")
    job, end = await fix(ed, "tests/test_ranges.py", "test_in_range_includes_upper_bound")
    proposal = next(p for p in ed.proposals if p["jobId"] == job)
    hunk = proposal["hunks"][0]
    line = hunk["range"]["start"]["line"]
    original = ed.docs[src].lines[line]

    # The user rewrote the very line the fix changes: refused, nothing sent to the editor.
    ed.change(src, types.Range(types.Position(line, 0), types.Position(line + 1, 0)),
              "    return lo <= x and x < hi\n")
    await ed.client.text_document_code_lens_async(   # a round trip: the change has arrived
        types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=src)))
    result = await ed.run("remedy.acceptHunk", {"proposalId": proposal["proposalId"], "hunkId": hunk["id"]})
    assert result["applied"] is False and "edited since" in result["message"]
    assert not ed.applied
    assert any("not applied" in m.message for m in ed.client.messages)

    # Put the line back but add unsaved lines above it: the fix follows the code.
    ed.change(src, types.Range(types.Position(line, 0), types.Position(line + 1, 0)), original)
    ed.change(src, types.Range(types.Position(0, 0), types.Position(0, 0)), "# one\n# two\n")
    version = ed.docs[src].version
    result = await ed.run("remedy.acceptHunk", {"proposalId": proposal["proposalId"], "hunkId": hunk["id"]})
    assert result["applied"] is True
    change = ed.applied[-1].edit.document_changes[0]
    assert change.text_document.version == version and change.edits[0].range.start.line == line + 2
    assert ed.docs[src].source.startswith("# one\n# two\n")            # unsaved edits kept
    assert hunk["newText"] in ed.docs[src].source


async def test_cancel_long_jobs(editor: Editor):
    ed = editor
    uri = ed.open("tests/test_slow.py")
    started = await ed.run("remedy.fixTest", {"uri": uri, "testId": "tests/test_slow.py::test_answer"})
    queued = await ed.run("remedy.fixTest", {"uri": uri, "testId": "tests/test_slow.py::test_answer"})
    assert queued["state"] == "queued"          # a second job on the workspace waits its turn
    job1, job2 = started["jobId"], queued["jobId"]
    for _ in range(300):
        if "JobStarted" in ed.events_of(job1) and f"remedy/{job1}" in ed.client.progress_reports:
            break
        await asyncio.sleep(0.1)
    await asyncio.sleep(2)                      # let the slow test get going
    ed.client.window_work_done_progress_cancel(types.WorkDoneProgressCancelParams(token=f"remedy/{job1}"))
    end1 = await ed.job_end(job1)
    assert end1["data"]["state"] == "cancelled"
    for _ in range(300):
        if "JobStarted" in ed.events_of(job2):
            break
        await asyncio.sleep(0.1)
    assert (await ed.run("remedy.cancel", {"jobId": job2}))["jobId"] == job2
    end2 = await ed.job_end(job2)
    assert end2["data"]["state"] == "cancelled"
    assert ed.client.progress_reports[f"remedy/{job2}"][-1].kind == "end"
    assert await lenses(ed, uri)                # still serving


async def test_already_passing_offers_run_anyway(editor: Editor):
    ed = editor
    ed.answer = "Cancel"
    job, end = await fix(ed, "tests/test_people.py", "test_greeting")
    assert end["data"]["state"] == "done"
    for _ in range(100):
        if ed.prompts:
            break
        await asyncio.sleep(0.1)
    assert "already passes" in ed.prompts[0].message
    assert [a.title for a in ed.prompts[0].actions] == ["Run anyway", "Cancel"]
