"""Bad input over real stdio: every malformed request gets a one-line InvalidParams error (or a
message), and the server keeps serving — garbage first, then a valid request."""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

FIXTURE = Path(__file__).parent / "fixtures" / "lsp_ws"


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[sys.executable, "-m", "server"]))
async def client(lsp_client: LanguageClient, request):
    root = request.getfixturevalue("tmp_path") / "ws"
    shutil.copytree(FIXTURE, root, ignore=shutil.ignore_patterns("__pycache__"))
    lsp_client.root = root
    await lsp_client.initialize_session(types.InitializeParams(
        capabilities=client_capabilities("visual-studio-code"), root_uri=root.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name="ws")],
        initialization_options={"remedy": {"engine": "nope"}}))
    yield
    await lsp_client.shutdown_session()


async def command(client: LanguageClient, name: str, *arguments):
    return await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command=name, arguments=list(arguments)))


def test_uri(client, rel="tests/test_ranges.py") -> str:
    return (client.root / rel).as_uri()


test_uri.__test__ = False


BAD_COMMANDS = [
    ("remedy.fixTest", [], "expected one object"),
    ("remedy.fixTest", ["tests/test_ranges.py"], "expected one object"),
    ("remedy.fixTest", [{"uri": 5}], "'uri'"),
    ("remedy.fixTest", [{"uri": "file:///etc/passwd"}], "outside the workspace"),
    ("remedy.fixTest", [{"uri": "untitled:Untitled-1"}], "not a file uri"),
    ("remedy.fixTest", [{"uri": "WS/tests"}], "not a file"),
    ("remedy.fixTest", [{"uri": "WS/tests/missing.py"}], "not a file"),
    ("remedy.fixTest", [{"uri": "WS/tests/test_ranges.py", "position": {"line": 0, "character": 3}}],
     "not inside a test"),
    ("remedy.fixTest", [{"uri": "WS/tests/test_ranges.py", "position": "top"}], "position"),
    ("remedy.fixTest", [{"uri": "WS/tests/test_ranges.py", "testId": "test_nope"}], "no test 'test_nope'"),
    ("remedy.fixTest", [{"uri": "WS/tests/test_ranges.py", "testId": "tests/test_people.py::test_greeting"}],
     "not in tests/test_ranges.py"),
    ("remedy.fixTest", [{"uri": "WS/calc/ranges.py"}], "not a test file"),
    ("remedy.acceptHunk", [{"proposalId": "p-none", "hunkId": "h1"}], "unknown proposal"),
    ("remedy.rejectHunk", [{"proposalId": "p-none"}], "'hunkId'"),
    ("remedy.acceptProposal", [{}], "'proposalId'"),
    ("remedy.rejectProposal", [{"proposalId": 3}], "'proposalId'"),
    ("remedy.cancel", [{"jobId": "job-99"}], "unknown job"),
    ("remedy.showProposal", [None], "expected one object"),
    ("remedy.noSuchCommand", [{}], "not defined"),
]


async def test_bad_commands_are_invalid_params(client):
    for name, arguments, message in BAD_COMMANDS:
        arguments = [{k: (v.replace("WS", client.root.as_uri()) if isinstance(v, str) else v)
                      for k, v in a.items()} if isinstance(a, dict) else a for a in arguments]
        with pytest.raises(JsonRpcInvalidParams) as err:
            await command(client, name, *arguments)
        assert message in str(err.value) and "\n" not in str(err.value), (name, arguments)
        lenses = await client.text_document_code_lens_async(     # and the server still serves
            types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=test_uri(client))))
        assert len(lenses) == 3


async def test_garbage_on_the_wire_then_a_valid_request(client):
    bodies = [b'{"jsonrp', b'[]', b'{"jsonrpc": "2.0", "id": 999, "method": "textDocument/codeLens"}',
              b'{"jsonrpc": "2.0", "id": 998, "method": "workspace/executeCommand", "params": 7}']
    for body in bodies:
        junk = b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
        client.protocol.writer.write(junk)
    lenses = await client.text_document_code_lens_async(
        types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=test_uri(client))))
    assert [lens.command.title for lens in lenses] == ["Fix this test"] * 3


async def test_bad_settings_are_reported_and_defaults_kept(client):
    assert any("unknown engine" in m.message for m in client.messages)
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
        settings={"remedy": {"timeBudget": "soon"}}))
    await client.wait_for_notification(types.WINDOW_SHOW_MESSAGE)
    assert any("invalid remedy settings" in m.message for m in client.messages)


async def test_lenses_for_files_outside_or_not_tests(client):
    for uri in ("file:///etc/hosts", test_uri(client, "calc/ranges.py"), "untitled:x"):
        assert not await client.text_document_code_lens_async(
            types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=uri)))
