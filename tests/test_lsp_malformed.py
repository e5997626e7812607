"""Malformed requests over the real server's stdio, byte for byte: each gets the JSON-RPC error the
spec names (-32602 invalid params, -32600 invalid request) with its id, the server logs no
traceback for them, and it keeps serving."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from raw_lsp import RawClient

FIXTURE = Path(__file__).parent / "fixtures" / "lsp_ws"


@pytest.fixture
def raw(tmp_path):
    root = tmp_path / "ws"
    shutil.copytree(FIXTURE, root, ignore=shutil.ignore_patterns("__pycache__", ".remedy"))
    client = RawClient(root, tmp_path / "server.stderr")
    yield client
    client.stop()


BAD_PARAMS = [
    ("textDocument/codeLens", {}),
    ("textDocument/codeLens", {"textDocument": "tests/test_ranges.py"}),
    ("textDocument/codeLens", None),
    ("textDocument/codeAction", {"textDocument": {"uri": "file:///x.py"}}),
    ("textDocument/codeAction", {"textDocument": {"uri": "file:///x.py"},
                                 "range": {"start": {"line": "one"}}, "context": {"diagnostics": []}}),
]


def test_invalid_params_are_answered_32602(raw):
    for n, (method, params) in enumerate(BAD_PARAMS):
        message = {"jsonrpc": "2.0", "id": n, "method": method}
        if params is not None:
            message["params"] = params
        raw.send(message)
        answer = raw.response(n)
        assert answer.get("error", {}).get("code") == -32602, (method, params, answer)
        assert method in answer["error"]["message"]
    uri = (raw.root / "tests" / "test_ranges.py").as_uri()
    raw.send({"jsonrpc": "2.0", "id": "ok", "method": "textDocument/codeLens",
              "params": {"textDocument": {"uri": uri}}})
    assert [lens["command"]["title"] for lens in raw.response("ok")["result"]] == ["Fix this test"] * 3
    raw.close()
    assert "Traceback" not in raw.stderr.read_text()


def test_a_request_without_a_method_is_answered_32600(raw):
    for message in [{"jsonrpc": "2.0", "id": 41}, {"jsonrpc": "2.0", "id": 42, "params": {}},
                    {"jsonrpc": "2.0", "id": 43, "method": 7}]:
        raw.send(message)
        answer = raw.response(message["id"])
        assert answer["error"]["code"] == -32600, (message, answer)
    raw.close()
    assert "Traceback" not in raw.stderr.read_text()


def test_a_refused_command_is_one_error_without_a_traceback(raw):
    # "Fix this test" from the palette with the cursor outside any test.
    uri = (raw.root / "tests" / "test_ranges.py").as_uri()
    raw.send({"jsonrpc": "2.0", "id": "fix", "method": "workspace/executeCommand", "params": {
        "command": "remedy.fixTest", "arguments": [{"uri": uri, "position": {"line": 0, "character": 0}}]}})
    answer = raw.response("fix")
    assert answer["error"]["code"] == -32602
    assert "not inside a test" in answer["error"]["message"] and "\n" not in answer["error"]["message"]
    raw.close()
    log = raw.stderr.read_text()
    assert "Traceback" not in log and "not inside a test" not in log, log
