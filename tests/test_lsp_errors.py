"""Failures and human intervention over real stdio (pytest-lsp), with the real engine:

- an exception inside a job (the engine's LLM side is pointed at a transcript that is not JSON, so
  building the model raises inside the session) ends that job with a `remedy/event` of type
  "Error" and a `window/showMessage`, and the same server then runs the next job to a proposal;
- the approval path: the engine's policy gate asks before the agent changes a test file; the
  server turns that into a `window/showMessageRequest`, and the client's answer decides.

Garbage on the wire followed by a valid request is covered in tests/test_lsp_bad_input.py."""
from __future__ import annotations

import asyncio
import json
import shutil
import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

FIXTURE = Path(__file__).parent / "fixtures" / "lsp_ws"
JOB_TIMEOUT = 240
BUILTIN = {"engine": "builtin", "timeBudget": 120}

pytestmark = pytest.mark.slow


def scripted(transcript: Path) -> dict:
    """Settings for the LLM engine replaying `transcript` (the base URL is never contacted)."""
    return {"engine": "llm", "timeBudget": 120,
            "llm": {"model": f"scripted:{transcript}", "baseUrl": "http://127.0.0.1:9/v1"}}


class Seen:
    def __init__(self) -> None:
        self.events: list[dict] = []
        self.proposals: list[dict] = []
        self.prompts: list[types.ShowMessageRequestParams] = []
        self.answer = "Allow"


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[sys.executable, "-m", "server"]))
async def client(lsp_client: LanguageClient, request):
    root = request.getfixturevalue("tmp_path") / "ws"
    shutil.copytree(FIXTURE, root, ignore=shutil.ignore_patterns("__pycache__", ".remedy"))
    lsp_client.root, seen = root, Seen()
    lsp_client.seen = seen
    lsp_client.feature("remedy/event")(lambda ls, p: seen.events.append(plain(p)))
    lsp_client.feature("remedy/proposal")(lambda ls, p: seen.proposals.append(plain(p)))
    lsp_client.feature(types.WORKSPACE_CODE_LENS_REFRESH)(lambda ls, params: None)

    @lsp_client.feature(types.WINDOW_SHOW_MESSAGE_REQUEST)
    def prompt(ls, params: types.ShowMessageRequestParams):
        seen.prompts.append(params)
        return types.MessageActionItem(title=seen.answer)

    await lsp_client.initialize_session(types.InitializeParams(
        capabilities=client_capabilities("visual-studio-code"), root_uri=root.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name="ws")],
        initialization_options={"remedy": BUILTIN}))
    yield
    await lsp_client.shutdown_session()


def plain(params):
    """pygls hands custom notifications over as named tuples; make them plain data."""
    if hasattr(params, "_asdict"):
        return {k: plain(v) for k, v in params._asdict().items()}
    if isinstance(params, (list, tuple)):
        return [plain(p) for p in params]
    return params


def configure(client: LanguageClient, section: dict) -> None:
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={"remedy": section}))


async def fix(client: LanguageClient, test_id: str) -> tuple[str, dict]:
    uri = (client.root / test_id.split("::")[0]).as_uri()
    started = await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command="remedy.fixTest", arguments=[{"uri": uri, "testId": test_id}]))
    job_id = started["jobId"]
    for _ in range(JOB_TIMEOUT * 10):
        for e in client.seen.events:
            if e["jobId"] == job_id and e["type"] == "JobFinished":
                return job_id, e
        await asyncio.sleep(0.1)
    raise AssertionError(f"{job_id} did not finish: {[e['type'] for e in client.seen.events]}")


def of_job(client: LanguageClient, job_id: str, kind: str) -> list[dict]:
    return [e for e in client.seen.events if e["jobId"] == job_id and e["type"] == kind]


async def test_engine_exception_ends_the_job_and_the_next_job_runs(client: LanguageClient):
    broken = client.root.parent / "broken-transcript.json"
    broken.write_text("this is not a transcript {")
    configure(client, scripted(broken))
    job1, end1 = await fix(client, "tests/test_ranges.py::test_in_range_includes_upper_bound")

    assert end1["data"]["state"] == "failed", end1
    errors = of_job(client, job1, "Error")
    assert len(errors) == 1 and "JSONDecodeError" in errors[0]["data"]["message"], errors
    assert not of_job(client, job1, "ProposalReady")
    shown = [m for m in client.messages if m.type == types.MessageType.Error]
    assert any("JSONDecodeError" in m.message for m in shown), [m.message for m in client.messages]
    assert client.progress_reports[f"remedy/{job1}"][-1].kind == "end"

    configure(client, BUILTIN)
    job2, end2 = await fix(client, "tests/test_ranges.py::test_in_range_includes_upper_bound")
    assert end2["data"]["state"] == "done", end2
    assert not of_job(client, job2, "Error")
    proposal = next(p for p in client.seen.proposals if p["jobId"] == job2)
    assert "<=" in proposal["hunks"][0]["newText"]


@pytest.mark.parametrize("answer, allowed", [("Allow", True), ("Deny", False)])
async def test_changing_a_test_file_asks_the_user(client: LanguageClient, answer: str, allowed: bool):
    test_file = "tests/test_people.py"
    weakened = (client.root / test_file).read_text().replace("is_adult(18)", "is_adult(19)")
    transcript = client.root.parent / "transcript.json"
    transcript.write_text(json.dumps([
        {"tool_calls": [{"name": "list_files", "arguments": {"rel_dir": "."}}]},
        {"tool_calls": [{"name": "write_file", "arguments": {"path": test_file, "content": weakened}}]},
        {"tool_calls": [{"name": "finish", "arguments": {"summary": "adjusted the test", "changes": "test"}}]},
    ]))
    client.seen.answer = answer
    configure(client, scripted(transcript))
    job, end = await fix(client, f"{test_file}::test_eighteen_is_adult")

    assert len(client.seen.prompts) == 1, [p.message for p in client.seen.prompts]
    prompt = client.seen.prompts[0]
    assert f"change the test file {test_file}" in prompt.message
    assert [a.title for a in prompt.actions] == ["Allow", "Deny"]
    writes = [e["data"] for e in of_job(client, job, "ToolResult") if e["data"]["tool"] == "write_file"]
    assert len(writes) == 1 and writes[0]["ok"] is allowed, writes
    if not allowed:
        assert "not approved" in writes[0]["output"]
    assert (client.root / test_file).read_text() != weakened     # proposals never touch the disk
