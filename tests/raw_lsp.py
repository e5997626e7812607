"""A raw JSON-RPC client for the real language server over stdio: it sends exactly the bytes a test
wants (malformed ones too), answers the server's requests with a test's handler, keeps every
notification, and sends the server's stderr to a file the test can read afterwards."""
from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable

from conftest import REPO

ANSWER_S = 20.0


class RawClient:
    """Just enough of a JSON-RPC client to send what no real client would."""

    def __init__(self, root: Path, stderr: Path, capabilities: dict | None = None,
                 options: dict | None = None,
                 answer: Callable[[dict], Any] = lambda request: None) -> None:
        self.root, self.stderr, self.answer = root, stderr, answer
        self.notifications: list[dict] = []
        self.requests: list[dict] = []          # what the server asked the client
        self._stderr = stderr.open("wb")
        self.proc = subprocess.Popen([sys.executable, "-m", "server"], cwd=REPO, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=self._stderr)
        self.inbox: queue.Queue[dict] = queue.Queue()
        threading.Thread(target=self._read_all, daemon=True).start()
        self.send({"jsonrpc": "2.0", "id": "init", "method": "initialize", "params": {
            "processId": None, "rootUri": root.as_uri(), "capabilities": capabilities or {},
            "initializationOptions": options,
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

    def response(self, msg_id, timeout: float = ANSWER_S) -> dict:
        """The answer to `msg_id`; fails after `timeout` without one."""
        found = self.until(lambda m: m.get("id") == msg_id and "method" not in m, timeout)
        if found is None:
            raise AssertionError(f"no answer to request {msg_id!r} in {timeout} s")
        return found

    def notification(self, method: str, timeout: float, where: Callable[[dict], bool] = lambda p: True,
                     since: int = 0) -> dict:
        """The first notification `method` whose params satisfy `where`, among those received
        from the `since`-th on (seen already or to come)."""
        for seen in self.notifications[since:]:
            if seen["method"] == method and where(seen.get("params")):
                return seen["params"]
        found = self.until(lambda m: m.get("method") == method and "id" not in m and where(m.get("params")),
                           timeout)
        if found is None:
            raise AssertionError(f"no {method} in {timeout} s")
        return found["params"]

    def until(self, wanted: Callable[[dict], bool], timeout: float) -> dict | None:
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                message = self.inbox.get(timeout=left)
            except queue.Empty:
                return None
            if "method" in message and "id" in message:      # the server asks: the test answers
                self.requests.append(message)
                self.send({"jsonrpc": "2.0", "id": message["id"], "result": self.answer(message)})
            elif "method" in message:
                self.notifications.append(message)
            if wanted(message):
                return message
        return None

    def request(self, msg_id, method: str, params: Any, timeout: float = ANSWER_S) -> dict:
        self.send({"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params})
        return self.response(msg_id, timeout)

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


