"""Accepting a proposal in the editor changes the next session's ranking in that project (issue 23):
the real server over stdio (pytest-lsp), the real engine in its child process, the learning store
under `.remedy/` between them."""
from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from conftest import first_plausible
from test_lsp_e2e import Editor, attach_editor, fix

from agent.memory.store import open_store

BUGS = json.loads((Path(__file__).parent / "fixtures" / "learning" / "off_by_one_bugs.json").read_text())["bugs"]

pytestmark = pytest.mark.slow


def _write(root: Path, bug: dict) -> None:
    (root / "calc.py").write_text(bug["source"])
    (root / "test_calc.py").write_text(bug["test"])


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[sys.executable, "-m", "server"]))
async def client(lsp_client: LanguageClient, request):
    root = request.getfixturevalue("tmp_path") / "ws"
    root.mkdir()
    _write(root, BUGS[0])
    attach_editor(lsp_client, root)
    settings = {"remedy": {"engine": "builtin", "timeBudget": 60}}
    lsp_client.set_configuration(settings)
    await lsp_client.initialize_session(types.InitializeParams(
        capabilities=client_capabilities("visual-studio-code"), root_uri=root.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name="ws")], initialization_options=settings))
    yield
    await lsp_client.shutdown_session()


def _first_plausible(ed: Editor, job_id: str) -> int:
    positions = [e["data"]["position"] for e in ed.events
                 if e["jobId"] == job_id and e["type"] == "Validation" and e["data"]["plausible"]
                 and e["data"]["stage"] == "target"]
    assert positions, [e["type"] for e in ed.events if e["jobId"] == job_id]
    return min(positions)


def _shipped_first_plausible(tmp: Path, bug: dict) -> int:
    """The same bug in a project that has learnt nothing."""
    root = tmp / "fresh"
    root.mkdir()
    _write(root, bug)
    return first_plausible(root)


async def test_an_accepted_proposal_makes_its_shape_validate_earlier_next_time(client, tmp_path):
    ed: Editor = client.editor
    src, test = ed.open("calc.py"), ed.open("test_calc.py")
    job1, end1 = await fix(ed, "test_calc.py", "test_head")
    assert end1["data"]["state"] == "done", end1
    proposal = next(p for p in ed.proposals if p["jobId"] == job1)
    for hunk in proposal["hunks"]:
        result = await ed.run("remedy.acceptHunk", {"proposalId": proposal["proposalId"], "hunkId": hunk["id"]})
        assert result["applied"] is True
    ed.save(src)
    sets = open_store(ed.root).sets()
    assert [(s.source, s.label, s.shape) for s in sets] == [("decision", True, "off_by_one|A - 1 -> A")]

    target = BUGS[5]            # another bug of the same shape, which the shipped ranker puts third
    shipped = await asyncio.to_thread(_shipped_first_plausible, tmp_path, target)
    for uri, text in ((src, target["source"]), (test, target["test"])):     # the user edits and saves
        whole = types.Range(start=types.Position(0, 0), end=types.Position(len(ed.docs[uri].lines), 0))
        ed.change(uri, whole, text)
        ed.save(uri)
    job2, end2 = await fix(ed, "test_calc.py", "test_window")
    assert end2["data"]["state"] == "done", end2
    learned = _first_plausible(ed, job2)
    assert shipped > 1 and learned < shipped, (shipped, learned)


def _git(root: Path, *args: str) -> None:
    import subprocess
    subprocess.run(["git", "-c", "user.email=t@t", "-c", "user.name=t", "-c", "commit.gpgsign=false", *args],
                   cwd=root, check=True, capture_output=True)


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[sys.executable, "-m", "server"]))
async def learning_client(lsp_client: LanguageClient, request):
    """A server whose settings allow learning from history, on a repository with two fixes."""
    root = request.getfixturevalue("tmp_path") / "repo"
    root.mkdir()
    _git(root, "init", "-q")
    for i, bug in enumerate(BUGS[:2]):
        (root / f"mod{i}.py").write_text(bug["source"])
        _git(root, "add", "-A")
        _git(root, "commit", "-qm", f"add mod{i}")
        (root / f"mod{i}.py").write_text(bug["source"].replace(" - 1", "", 1))
        _git(root, "commit", "-qam", f"fix mod{i}")
    lsp_client.root = root
    settings = {"remedy": {"engine": "builtin", "learnHistory": True}}
    lsp_client.set_configuration(settings)
    await lsp_client.initialize_session(types.InitializeParams(
        capabilities=client_capabilities("visual-studio-code"), root_uri=root.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name="repo")], initialization_options=settings))
    yield
    await lsp_client.shutdown_session()


async def test_the_server_learns_from_history_in_the_background_when_allowed(learning_client):
    client = learning_client
    for _ in range(1200):
        said = [m.message for m in client.log_messages if "history" in m.message]
        if said:
            break
        await asyncio.sleep(0.1)
    assert said and "2 added" in said[0], [m.message for m in client.log_messages]
    assert len(open_store(client.root).sets(sources=("history",))) == 2
