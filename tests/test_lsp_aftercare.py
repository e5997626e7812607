"""What the editor sees around an accepted fix, end to end over real stdio (pytest-lsp, the real
engine, real pytest runs), with watch off as it is by default: the user's tests run with the
project's own virtualenv; after the accepted fix is saved the failing-test diagnostics go; an undo
of the accept brings the proposal back and is recorded as undone."""
from __future__ import annotations

import asyncio
import json
import sys
import sysconfig
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from conftest import venv_with_only_pytest
from test_lsp_e2e import Editor, attach_editor, copy_workspace, fix

WAIT = 120.0

pytestmark = pytest.mark.slow


@pytest.fixture
def venv() -> bool:
    """Whether the workspace gets a `.venv` holding a module only its tests can import."""
    return False


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[sys.executable, "-m", "server"]))
async def client(lsp_client: LanguageClient, request):
    root = copy_workspace(request.getfixturevalue("tmp_path"))
    if request.getfixturevalue("venv"):
        _venv_only_module(root)
    attach_editor(lsp_client, root)
    # what the extension sends: remedy.python is the interpreter that runs this server
    options = {"remedy": {"engine": "builtin", "timeBudget": 120, "python": sys.executable}}
    lsp_client.set_configuration(options)
    await lsp_client.initialize_session(types.InitializeParams(
        capabilities=client_capabilities("visual-studio-code"), root_uri=root.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name="ws")],
        initialization_options=options))
    yield
    await lsp_client.shutdown_session()


@pytest.fixture
def editor(client) -> Editor:
    return client.editor


def _venv_only_module(root: Path) -> None:
    """`.venv` with pytest, coverage and `onlyhere`, which the tests import and Remedy's own
    interpreter does not have."""
    python = venv_with_only_pytest(root / ".venv", also=("coverage",))
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    purelib = root / ".venv" / "lib" / version / "site-packages"
    assert purelib.is_dir(), sysconfig.get_paths()
    (purelib / "onlyhere.py").write_text("BOUND = 5\n")
    assert python.exists()
    test = root / "tests" / "test_ranges.py"
    test.write_text("import onlyhere  # only the project's .venv has it\n" + test.read_text())


async def until(check, what: str, timeout: float = WAIT):
    for _ in range(int(timeout * 10)):
        found = check()
        if found:
            return found
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def failing_tests(ed: Editor, uri: str) -> list[str]:
    return sorted(d.data["testId"] for d in ed.client.diagnostics.get(uri, [])
                  if d.source == "remedy" and d.code == "failing-test")


def save(ed: Editor, uri: str) -> None:
    ed.save(uri)
    ed.client.text_document_did_save(types.DidSaveTextDocumentParams(
        text_document=types.TextDocumentIdentifier(uri=uri)))


@pytest.mark.parametrize("venv", [True])
async def test_the_users_tests_run_with_the_projects_virtualenv(editor: Editor, venv: bool):
    ed = editor
    test_uri = ed.open("tests/test_ranges.py")
    started = await ed.run("remedy.fixTest", {"uri": test_uri,
                                              "testId": "tests/test_ranges.py::test_in_range_includes_upper_bound"})
    job = started["jobId"]
    ran = await until(lambda: next((e for e in ed.events if e["jobId"] == job and e["type"] in ("TestsRan", "Done")),
                                   None), "the reproduction")
    await ed.run("remedy.cancel", {"jobId": job})
    await ed.job_end(job)
    assert ran["type"] == "TestsRan", ran
    assert "ModuleNotFoundError" not in json.dumps(ran["data"])
    assert [f["testId"] for f in ran["data"]["failed"]] == ["tests/test_ranges.py::test_in_range_includes_upper_bound"]
    assert "assert" in ran["data"]["failed"][0]["message"]


async def test_saving_an_accepted_fix_clears_the_failing_test_diagnostics(editor: Editor):
    ed = editor
    test_uri, src = ed.open("tests/test_ranges.py"), ed.open("calc/ranges.py")
    job, end = await fix(ed, "tests/test_ranges.py", "test_in_range_includes_upper_bound")
    assert end["data"]["state"] == "done", end
    assert failing_tests(ed, test_uri) == ["tests/test_ranges.py::test_in_range_includes_upper_bound"]
    proposal = next(p for p in ed.proposals if p["jobId"] == job)
    assert (await ed.run("remedy.acceptProposal", {"proposalId": proposal["proposalId"]}))["applied"]
    assert failing_tests(ed, test_uri)          # nothing re-ran yet: the fix is not saved
    save(ed, src)
    await until(lambda: not failing_tests(ed, test_uri), "the failing-test diagnostic to go")
    assert any("re-ran tests/test_ranges.py::test_in_range_includes_upper_bound after the fix: all pass"
               in m.message for m in ed.client.log_messages)


async def test_undoing_an_accept_brings_the_proposal_back_and_records_it(editor: Editor):
    ed = editor
    test_uri, src = ed.open("tests/test_ranges.py"), ed.open("calc/ranges.py")
    job, _ = await fix(ed, "tests/test_ranges.py", "test_in_range_includes_upper_bound")
    proposal = next(p for p in ed.proposals if p["jobId"] == job)
    hunk = proposal["hunks"][0]
    line = hunk["range"]["start"]["line"]
    before = ed.docs[src].lines[line]
    assert (await ed.run("remedy.acceptHunk", {"proposalId": proposal["proposalId"], "hunkId": hunk["id"]}))["applied"]
    assert ed.docs[src].lines[line] == hunk["newText"]
    sent = len(ed.proposals)

    # Ctrl+Z: the editor puts the old line back
    ed.change(src, types.Range(types.Position(line, 0), types.Position(line + 1, 0)), before)
    again = await until(lambda: ed.proposals[sent:], "the proposal to be sent again")
    assert again[0]["proposalId"] == proposal["proposalId"] and [h["id"] for h in again[0]["hunks"]] == [hunk["id"]]
    lenses = await ed.client.text_document_code_lens_async(
        types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=src)))
    assert "Accept" in [lens.command.title for lens in lenses]
    decisions = [json.loads(d) for d in (ed.root / ".remedy" / "decisions.jsonl").read_text().splitlines()]
    assert [(d["accepted"], d["undone"]) for d in decisions] == [(True, False), (False, True)]

    # saved as it was: the test fails again, and says so; accepted again: it passes
    save(ed, src)
    await until(lambda: ed.client.log_messages and "1 still failing" in ed.client.log_messages[-1].message,
                "the re-run after the undo")
    assert failing_tests(ed, test_uri) == ["tests/test_ranges.py::test_in_range_includes_upper_bound"]
    assert (await ed.run("remedy.acceptHunk", {"proposalId": proposal["proposalId"], "hunkId": hunk["id"]}))["applied"]
    save(ed, src)
    await until(lambda: not failing_tests(ed, test_uri), "the failing-test diagnostic to go")
