"""Background watch end to end over real stdio: the server as a subprocess, real watchdog, real
pytest runs, the real engine for the background repairs. Files are broken and mended ON DISK, as
another tool would; the editor (test_lsp_e2e.Editor) only opens what a test says it opens."""
from __future__ import annotations

import asyncio
import json
import queue
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from test_lsp_e2e import Editor, attach_editor

FIXTURE = Path(__file__).parent / "fixtures" / "lsp_watch_ws"
WAIT = 120.0
REPAIR_WAIT = 300.0

pytestmark = pytest.mark.slow


def settings(enabled: bool = True, auto_repair: bool = False) -> dict:
    return {"remedy": {"engine": "builtin", "timeBudget": 120,
                       "watch": {"enabled": enabled, "autoRepair": auto_repair}}}


@pytest.fixture
def auto_repair() -> bool:
    return False


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[sys.executable, "-m", "server"]))
async def client(lsp_client: LanguageClient, request):
    root = Path(shutil.copytree(FIXTURE, request.getfixturevalue("tmp_path") / "ws",
                                ignore=shutil.ignore_patterns("__pycache__", ".remedy")))
    attach_editor(lsp_client, root)

    options = settings(auto_repair=request.getfixturevalue("auto_repair"))
    lsp_client.set_configuration(options)
    capabilities = client_capabilities("visual-studio-code")
    capabilities.experimental = {"remedyProposals": True}     # as the extension: it renders proposals
    await lsp_client.initialize_session(types.InitializeParams(
        capabilities=capabilities, root_uri=root.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name="ws")],
        initialization_options=options))
    await until(lambda: watching(lsp_client) >= 1, "the watcher to start")
    yield
    await lsp_client.shutdown_session()


@pytest.fixture
def editor(client) -> Editor:
    return client.editor


async def until(check, what: str, timeout: float = WAIT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def watching(client: LanguageClient, verb: str = "watching") -> int:
    return sum(1 for m in client.log_messages if m.message.startswith(f"Remedy: {verb} "))


def edit_on_disk(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def remedy_diagnostics(ed: Editor, rel: str) -> list[types.Diagnostic] | None:
    """The latest diagnostics published for `rel`, None when none were ever published."""
    found = ed.client.diagnostics.get(ed.uri(rel))
    return None if found is None else [d for d in found if d.source == "remedy"]


async def test_break_on_disk_then_mend_updates_unopened_test_file(editor: Editor):
    ed = editor
    test_uri = ed.uri("tests/test_prices.py")
    assert test_uri not in ed.docs
    edit_on_disk(ed.root / "shop/prices.py", "a + b", "a - b")
    failing = await until(lambda: remedy_diagnostics(ed, "tests/test_prices.py"), "a failing-test diagnostic")
    assert len(failing) == 1
    diag = failing[0]
    assert diag.range.start == types.Position(3, 4) and diag.range.end == types.Position(3, 14)  # test_total
    assert diag.severity == types.DiagnosticSeverity.Error and "assert" in diag.message
    assert diag.data["testId"] == "tests/test_prices.py::test_total"
    assert remedy_diagnostics(ed, "tests/test_labels.py") is None        # not affected, not run

    edit_on_disk(ed.root / "shop/prices.py", "a - b", "a + b")
    await until(lambda: tuple(ed.client.diagnostics[test_uri]) == (), "the diagnostic to be cleared")


async def test_collection_error_marks_the_top_of_the_file(editor: Editor):
    ed = editor
    edit_on_disk(ed.root / "tests/test_labels.py", "def test_label():", "def test_label(:")
    found = await until(lambda: remedy_diagnostics(ed, "tests/test_labels.py"), "a collection error")
    assert found[0].range.start.line == 0 and found[0].data["testId"] == "tests/test_labels.py"
    edit_on_disk(ed.root / "tests/test_labels.py", "def test_label(:", "def test_label():")
    await until(lambda: tuple(ed.client.diagnostics[ed.uri("tests/test_labels.py")]) == (),
                "the error to be cleared")


@pytest.mark.parametrize("auto_repair", [True])
async def test_auto_repair_proposal_waits_for_review(editor: Editor, auto_repair: bool):
    ed = editor
    ed.answer = "Review"
    src = ed.root / "shop/prices.py"
    edit_on_disk(src, "a + b", "a - b")
    proposal = await until(lambda: ed.proposals and ed.proposals[0], "a proposal", REPAIR_WAIT)
    job_id = proposal["jobId"]
    assert "JobStarted" in ed.events_of(job_id) and "ProposalReady" in ed.events_of(job_id)
    hunk = proposal["hunks"][0]
    assert hunk["uri"] == ed.uri("shop/prices.py") and "a + b" in hunk["newText"]

    prompt = await until(lambda: ed.prompts and ed.prompts[0], "the review prompt")
    assert prompt.message == "Remedy has a fix for test_total"
    assert [a.title for a in prompt.actions] == ["Review"]
    shown = await until(lambda: ed.client.shown_documents and ed.client.shown_documents[0],
                        "window/showDocument")
    assert shown.uri == hunk["uri"] and shown.selection.start.line == hunk["range"]["start"]["line"]
    assert "a - b" in src.read_text()                                  # never applied by itself

    uri = ed.open("shop/prices.py")
    titles = [lens.command.title for lens in await ed.client.text_document_code_lens_async(
        types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=uri)))]
    assert "Accept" in titles and "Reject" in titles
    result = await ed.run("remedy.acceptHunk", {"proposalId": proposal["proposalId"], "hunkId": hunk["id"]})
    assert result["applied"] is True
    assert ed.applied[-1].edit.document_changes[0].text_document.version == 1
    assert "return a + b" in ed.docs[uri].source and "a - b" in src.read_text()


@pytest.mark.parametrize("auto_repair", [True])
async def test_unsaved_edit_cancels_the_background_repair(editor: Editor, auto_repair: bool):
    ed = editor
    edit_on_disk(ed.root / "shop/slow.py", "x * 2", "x * 3")
    started = await until(lambda: [e for e in ed.events if e["type"] == "JobStarted"], "a background repair",
                          REPAIR_WAIT)
    job_id = started[0]["jobId"]
    assert started[0]["data"]["testIds"] == ["tests/test_slow.py::test_double"]
    uri = ed.open("shop/slow.py")
    ed.change(uri, types.Range(types.Position(0, 0), types.Position(0, 0)), "# editing\n")

    await until(lambda: "JobFinished" in ed.events_of(job_id), "the repair to finish", REPAIR_WAIT)
    mine = [e for e in ed.events if e["jobId"] == job_id]
    assert any(e["type"] == "Error" and e["data"]["kind"] == "cancelled" for e in mine) or any(
        e["type"] == "Done" and e["data"]["status"] == "error" and "cancel" in e["data"]["message"]
        for e in mine), ([e["type"] for e in mine], mine[-2:])
    finished = next(e for e in ed.events if e["jobId"] == job_id and e["type"] == "JobFinished")
    assert finished["data"]["state"] == "cancelled"
    assert not [p for p in ed.proposals if p["jobId"] == job_id]
    assert "ProposalReady" not in ed.events_of(job_id)


async def test_turning_watch_off_stops_it_and_on_again_restarts_it(editor: Editor):
    ed = editor
    ed.client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
        settings=settings(enabled=False)))
    await until(lambda: watching(ed.client, "stopped watching"), "the watcher to stop")
    edit_on_disk(ed.root / "shop/prices.py", "a + b", "a - b")
    await asyncio.sleep(6)
    assert remedy_diagnostics(ed, "tests/test_prices.py") is None

    ed.client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
        settings=settings(enabled=True)))
    await until(lambda: watching(ed.client) >= 2, "the watcher to start again")
    edit_on_disk(ed.root / "shop/prices.py", "a - b", "a * b")
    assert await until(lambda: remedy_diagnostics(ed, "tests/test_prices.py"), "a failing-test diagnostic")


class PlainClient:
    """A bare JSON-RPC client over the server's stdio: no pygls, no capabilities."""

    def __init__(self, cwd: Path):
        self.proc = subprocess.Popen([sys.executable, "-m", "server"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                     cwd=Path(__file__).resolve().parent.parent)
        self.received: queue.Queue[dict] = queue.Queue()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def send(self, message: dict) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
        self.proc.stdin.flush()

    def _read(self) -> None:
        stream = self.proc.stdout
        while True:
            length = None
            while (line := stream.readline()) not in (b"\r\n", b""):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            if length is None:
                return
            self.received.put(json.loads(stream.read(length)))

    def wait_for(self, check, timeout: float = WAIT) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            message = self.received.get(timeout=max(0.1, deadline - time.monotonic()))
            if check(message):
                return message

    def close(self) -> None:
        self.send({"id": 99, "method": "shutdown"})
        self.send({"method": "exit"})
        try:
            self.proc.wait(30)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            self.proc.stdin.close()
            self.proc.stdout.close()


def test_plain_client_with_only_initialization_options_gets_diagnostics(tmp_path: Path):
    root = Path(shutil.copytree(FIXTURE, tmp_path / "ws", ignore=shutil.ignore_patterns("__pycache__")))
    client = PlainClient(root)
    try:
        client.send({"id": 1, "method": "initialize", "params": {
            "processId": None, "rootUri": root.as_uri(), "capabilities": {},
            "initializationOptions": {"watch": {"enabled": True}}}})
        client.wait_for(lambda m: m.get("id") == 1 and "result" in m)
        client.send({"method": "initialized", "params": {}})
        edit_on_disk(root / "shop/prices.py", "a + b", "a - b")         # at once, as a script would
        test_uri = (root / "tests/test_prices.py").as_uri()
        published = client.wait_for(lambda m: m.get("method") == "textDocument/publishDiagnostics"
                                    and m["params"]["uri"] == test_uri)
        [diag] = published["params"]["diagnostics"]
        assert diag["source"] == "remedy" and diag["range"]["start"]["line"] == 3
    finally:
        client.close()
