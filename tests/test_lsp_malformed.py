"""Malformed requests over the real server's stdio, byte for byte: each gets the JSON-RPC error the
spec names (-32602 invalid params, -32600 invalid request) with its id, the server logs no
traceback for them, and it keeps serving."""
from __future__ import annotations

import json
import queue
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from conftest import REPO

FIXTURE = Path(__file__).parent / "fixtures" / "lsp_ws"
ANSWER_S = 20.0


class RawClient:
    """Just enough of a JSON-RPC client to send what no real client would."""

    def __init__(self, root: Path, stderr: Path) -> None:
        self._stderr = stderr.open("wb")
        self.proc = subprocess.Popen([sys.executable, "-m", "server"], cwd=REPO, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=self._stderr)
        self.inbox: queue.Queue[dict] = queue.Queue()
        threading.Thread(target=self._read_all, daemon=True).start()
        self.send({"jsonrpc": "2.0", "id": "init", "method": "initialize", "params": {
            "processId": None, "rootUri": root.as_uri(), "capabilities": {},
            "workspaceFolders": [{"uri": root.as_uri(), "name": "ws"}]}})
        assert "result" in self.response("init")
        self.send({"jsonrpc": "2.0", "method": "initialized", "params": {}})

    def send(self, message: dict) -> None:
        body = json.dumps(message).encode()
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
        self.proc.stdin.flush()

    def _read_all(self) -> None:
        while True:
            length = None
            while True:
                line = self.proc.stdout.readline()
                if not line:
                    return
                if line in (b"\r\n", b"\n"):
                    break
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            self.inbox.put(json.loads(self.proc.stdout.read(length)))

    def response(self, msg_id) -> dict:
        """The answer to `msg_id`; fails after ANSWER_S without one (pygls used to send none)."""
        while True:
            try:
                message = self.inbox.get(timeout=ANSWER_S)
            except queue.Empty:
                raise AssertionError(f"no answer to request {msg_id!r} in {ANSWER_S} s") from None
            if message.get("id") == msg_id and "method" not in message:
                return message
            if "method" in message and "id" in message:      # a request to the client: decline
                self.send({"jsonrpc": "2.0", "id": message["id"], "result": None})

    def close(self) -> None:
        self.send({"jsonrpc": "2.0", "id": "bye", "method": "shutdown"})
        self.response("bye")
        self.send({"jsonrpc": "2.0", "method": "exit"})
        self.proc.stdin.close()
        self.proc.wait(timeout=30)
        self.stop()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout, self._stderr):
            if not stream.closed:
                try:
                    stream.close()
                except OSError:
                    pass


@pytest.fixture
def raw(tmp_path):
    root = tmp_path / "ws"
    shutil.copytree(FIXTURE, root, ignore=shutil.ignore_patterns("__pycache__", ".remedy"))
    client = RawClient(root, tmp_path / "server.stderr")
    client.root = root
    client.stderr = tmp_path / "server.stderr"
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
    assert [l["command"]["title"] for l in raw.response("ok")["result"]] == ["Fix this test"] * 3
    raw.close()
    assert "Traceback" not in raw.stderr.read_text()


def test_a_request_without_a_method_is_answered_32600(raw):
    for n, message in enumerate([{"jsonrpc": "2.0", "id": 41}, {"jsonrpc": "2.0", "id": 42, "params": {}},
                                 {"jsonrpc": "2.0", "id": 43, "method": 7}]):
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
