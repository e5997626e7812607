"""A real loopback HTTP server playing the fine-tuning APIs of OpenAI and Together, recording
what it got.

OpenAI:   POST /v1/files (multipart: purpose, file)        POST /v1/fine_tuning/jobs (JSON)
Together: POST /v1/files/upload (multipart: purpose, file_name, file_type, file)
          POST /v1/fine-tunes (JSON)

It checks what the real services check: the bearer key (401 with the provider's error body), that
the upload is multipart/form-data with purpose=fine-tune and a JSONL file, and that a job names a
known model and a file uploaded before (400 with a message otherwise).

    with FakeFineTuning(api_key="sk-test", models={"gpt-4o-mini-2024-07-18"}) as server:
        server.base_url, server.uploads, server.jobs, server.requests
"""
from __future__ import annotations

import json
import uuid
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler
from typing import Any

from fakes.loopback import LoopbackServer

UPLOAD_ROUTES = {"/v1/files": "openai", "/v1/files/upload": "together"}
JOB_ROUTES = {"/v1/fine_tuning/jobs": "openai", "/v1/fine-tunes": "together"}


class FakeFineTuning(LoopbackServer):
    def __init__(self, api_key: str = "sk-test", models: set[str] | None = None) -> None:
        self.api_key = api_key
        self.models = models
        self.requests: list[dict[str, Any]] = []     # {method, path, headers} of every request
        self.uploads: list[dict[str, Any]] = []      # {provider, fields, filename, content_type, content}
        self.jobs: list[dict[str, Any]] = []         # {provider, body}
        super().__init__(_handler(self))

    def upload(self, provider: str, content_type: str, body: bytes) -> tuple[int, dict[str, Any]]:
        if not content_type.startswith("multipart/form-data"):
            return 400, _error(f"expected multipart/form-data, got {content_type!r}")
        message = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body)
        fields, file = {}, None
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if part.get_filename() is not None:
                file = {"filename": part.get_filename(), "content_type": part.get_content_type(),
                        "content": part.get_payload(decode=True)}
            else:
                fields[name] = part.get_payload(decode=True).decode()
        if file is None:
            return 400, _error("'file' is a required property")
        if fields.get("purpose") != "fine-tune":
            return 400, _error(f"invalid purpose {fields.get('purpose')!r}")
        if provider == "together" and not fields.get("file_name"):
            return 400, _error("file_name is required")
        try:
            for line in file["content"].decode().splitlines():
                json.loads(line)
        except (UnicodeDecodeError, json.JSONDecodeError):
            return 400, _error("Invalid file format: expected JSONL")
        file_id = f"file-{uuid.uuid4().hex[:12]}"
        with self._lock:
            self.uploads.append(dict(file, provider=provider, fields=fields, id=file_id))
        return 200, {"id": file_id, "object": "file", "bytes": len(file["content"]), "purpose": "fine-tune",
                     "filename": fields.get("file_name") or file["filename"]}

    def create_job(self, provider: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        known = {u["id"] for u in self.uploads}
        if body.get("training_file") not in known:
            return 400, _error(f"invalid training_file: {body.get('training_file')}", param="training_file")
        if self.models is not None and body.get("model") not in self.models:
            return 400, _error(f"Model {body.get('model')} is not available for fine-tuning or does not exist.",
                               param="model")
        with self._lock:
            self.jobs.append({"provider": provider, "body": body})
        if provider == "openai":
            return 200, {"id": f"ftjob-{uuid.uuid4().hex[:12]}", "object": "fine_tuning.job",
                         "status": "validating_files", "model": body["model"], "training_file": body["training_file"],
                         "method": body.get("method")}
        return 200, {"id": f"ft-{uuid.uuid4().hex[:12]}", "status": "pending", "model": body["model"],
                     "training_file": body["training_file"]}


def _error(message: str, param: str | None = None) -> dict[str, Any]:
    return {"error": {"message": message, "type": "invalid_request_error", "param": param, "code": None}}


def _handler(server: FakeFineTuning):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with server._lock:
                server.requests.append({"method": "POST", "path": self.path, "headers": dict(self.headers)})
            if self.path not in UPLOAD_ROUTES and self.path not in JOB_ROUTES:
                return self._json(404, _error(f"no route {self.path}"))
            if self.headers.get("Authorization") != f"Bearer {server.api_key}":
                return self._json(401, {"error": {"message": "Incorrect API key provided",
                                                  "type": "invalid_request_error", "code": "invalid_api_key"}})
            if self.path in UPLOAD_ROUTES:
                return self._json(*server.upload(UPLOAD_ROUTES[self.path], self.headers.get("Content-Type", ""), body))
            try:
                payload = json.loads(body)
            except json.JSONDecodeError:
                return self._json(400, _error("We could not parse the JSON body of your request."))
            self._json(*server.create_job(JOB_ROUTES[self.path], payload))

        def _json(self, status: int, payload: dict) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler
