"""A real loopback HTTP server speaking the OpenAI chat-completions wire format (plain JSON and SSE
streaming, content and tool_calls, usage), playing a scripted model.

It checks what a real endpoint checks: the bearer key (401 with an OpenAI error body), and the
message-order rule (an assistant message with tool_calls must be followed by one `tool` message
per call id before anything else; a `tool` message must answer such a call) — a 400 otherwise.

    with FakeOpenAI(worker=[...], planner=..., reflection=...) as server:
        OpenAICompatModel(server.base_url, "fake-model")

Worker replies are dicts {"content": str, "tool_calls": [{"name", "arguments"}]} or
{"status": int, "error": str} or {"sleep": seconds, ...}, or callables request -> such a dict.
Planner and reflection requests (the driver's prompt as the last system message) go to their own
callables, so their cadence can be counted.
"""
from __future__ import annotations

import json
import time
import uuid
from http.server import BaseHTTPRequestHandler
from typing import Any, Callable, Sequence

from fakes.loopback import LoopbackServer

Reply = dict[str, Any]
Script = Sequence[Reply | Callable[[dict], Reply]]

PLANNER_MARK = "You are the planner."
REFLECTION_MARK = "The last action failed."


class FakeOpenAI(LoopbackServer):
    def __init__(self, worker: Script = (), *, planner: Callable[[dict], Reply] | None = None,
                 reflection: Callable[[dict], Reply] | None = None, api_key: str | None = None,
                 model: str = "fake-model") -> None:
        self.worker = list(worker)
        self.planner = planner or (lambda req: {"content": '{"subgoals": ["fix the bug"]}'})
        self.reflection = reflection or (lambda req: {"content": "Look at the failing assertion."})
        self.api_key, self.model = api_key, model
        self.requests: list[dict] = []           # every accepted request body
        self.kinds: list[str] = []               # "worker" | "planner" | "reflection", in order
        self.rejections: list[str] = []          # why requests were refused (400)
        self._turn = 0
        super().__init__(_handler(self))

    def worker_requests(self) -> list[dict]:
        return [r for r, k in zip(self.requests, self.kinds) if k == "worker"]

    def answer(self, body: dict) -> tuple[int, Reply]:
        problem = order_problem(body.get("messages") or [])
        if problem:
            with self._lock:
                self.rejections.append(problem)
            return 400, {"error": problem}
        last = body["messages"][-1]
        with self._lock:
            self.requests.append(body)
            if last["role"] == "system" and str(last.get("content", "")).startswith(PLANNER_MARK):
                self.kinds.append("planner")
                return 200, self.planner(body)
            if last["role"] == "system" and str(last.get("content", "")).startswith(REFLECTION_MARK):
                self.kinds.append("reflection")
                return 200, self.reflection(body)
            self.kinds.append("worker")
            if self._turn >= len(self.worker):
                return 200, {"content": "I have nothing more to do."}
            step = self.worker[self._turn]
            self._turn += 1
        return 200, step(body) if callable(step) else step


def order_problem(messages: list[dict]) -> str:
    """Why this message list breaks the tool-call adjacency rule, or "" when it does not."""
    pending: list[str] = []
    for i, m in enumerate(messages):
        if m.get("role") == "tool":
            if m.get("tool_call_id") not in pending:
                return f"messages[{i}]: tool message answers no pending tool call"
            pending.remove(m["tool_call_id"])
            continue
        if pending:
            return f"messages[{i}]: tool calls {pending} were not answered before a {m.get('role')} message"
        if m.get("role") == "assistant":
            pending = [c["id"] for c in m.get("tool_calls") or []]
    return ""


def _handler(server: FakeOpenAI):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            try:
                self._post()
            except (BrokenPipeError, ConnectionResetError):
                pass            # the client gave up (its timeout test): nothing to answer

        def _post(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
            if not self.path.rstrip("/").endswith("/chat/completions"):
                return self._json(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})
            if server.api_key is not None and self.headers.get("Authorization") != f"Bearer {server.api_key}":
                return self._json(401, {"error": {"message": "Incorrect API key provided",
                                                  "type": "invalid_request_error", "code": "invalid_api_key"}})
            status, reply = server.answer(body)
            if reply.get("sleep"):
                time.sleep(reply["sleep"])
            if status != 200 or reply.get("status"):
                return self._json(reply.get("status", status), {"error": {
                    "message": reply.get("error", "error"), "type": "server_error"}})
            calls = [{"id": c.get("id") or f"call_{uuid.uuid4().hex[:8]}", "type": "function",
                      "function": {"name": c["name"], "arguments": c["arguments"] if isinstance(
                          c["arguments"], str) else json.dumps(c["arguments"])}}
                     for c in reply.get("tool_calls") or []]
            usage = {"prompt_tokens": sum(len(json.dumps(m)) for m in body["messages"]) // 4,
                     "completion_tokens": max(1, len(json.dumps(reply)) // 4)}
            usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
            if body.get("stream"):
                return self._stream(body, reply.get("content") or "", calls, usage)
            message = {"role": "assistant", "content": reply.get("content")}
            if calls:
                message["tool_calls"] = calls
            self._json(200, {"id": "chatcmpl-fake", "object": "chat.completion", "created": int(time.time()),
                             "model": body.get("model", server.model), "usage": usage,
                             "choices": [{"index": 0, "message": message,
                                          "finish_reason": "tool_calls" if calls else "stop"}]})

        def _json(self, status: int, payload: dict) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _stream(self, body: dict, content: str, calls: list[dict], usage: dict) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Connection", "close")
            self.end_headers()
            base = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": int(time.time()),
                    "model": body.get("model", server.model)}

            def send(choices: list[dict], **extra: Any) -> None:
                chunk = dict(base, choices=choices, **extra)
                self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                self.wfile.flush()

            send([{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}])
            for i in range(0, len(content), 7):
                send([{"index": 0, "delta": {"content": content[i:i + 7]}, "finish_reason": None}])
            for n, call in enumerate(calls):
                args = call["function"]["arguments"]
                half = len(args) // 2
                send([{"index": 0, "delta": {"tool_calls": [{"index": n, "id": call["id"], "type": "function",
                                                             "function": {"name": call["function"]["name"],
                                                                          "arguments": args[:half]}}]},
                       "finish_reason": None}])
                send([{"index": 0, "delta": {"tool_calls": [{"index": n, "function": {"arguments": args[half:]}}]},
                       "finish_reason": None}])
            send([{"index": 0, "delta": {}, "finish_reason": "tool_calls" if calls else "stop"}])
            if (body.get("stream_options") or {}).get("include_usage"):
                send([], usage=usage)
            self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()
            self.close_connection = True

    return Handler
