"""Hosted fine-tuning through the providers' HTTP APIs: upload the training file, then create the job.

OpenAI: POST {base}/files (multipart: purpose=fine-tune, file), then POST {base}/fine_tuning/jobs
{model, training_file, method: {type: supervised|dpo, <type>: {hyperparameters: {n_epochs}}}}.
Together: POST {base}/files/upload (multipart: purpose=fine-tune, file_name, file_type=jsonl, file),
then POST {base}/fine-tunes {model, training_file, n_epochs, training_method: {method: sft|dpo},
training_type: {type: Lora}}. Endpoints and key variables are data (providers.json).

Requests are built first (`upload_request`, `job_request`), so `--dry-run` can show exactly what
would be sent — with the key redacted — and send nothing. A provider's refusal becomes one
BackendError line naming the status and the provider's own message.
"""
from __future__ import annotations

import functools
import json
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import BackendError, BadInput
from ..llm.catalog import resolve_base_url
from ..secrets import redact

__all__ = ["Request", "provider_settings", "upload_request", "job_request", "send", "FILE_ID_PLACEHOLDER"]

FILE_ID_PLACEHOLDER = "<id of the uploaded file>"
TIMEOUT_S = 120


@dataclass(frozen=True)
class Request:
    method: str
    url: str
    headers: dict[str, str]
    body: bytes
    summary: dict[str, Any] = field(default_factory=dict)     # what the body says, for people

    def shown(self) -> dict[str, Any]:
        """The request as --dry-run prints it: the key redacted, the body summarized."""
        headers = {k: ("Bearer ***" if k.lower() == "authorization" else v) for k, v in self.headers.items()}
        return {"method": self.method, "url": self.url, "headers": headers, "body": self.summary}


@functools.cache
def _table() -> dict[str, dict[str, Any]]:
    raw = json.loads(resources.files("agent.finetune").joinpath("providers.json").read_text("utf-8"))
    return {k: v for k, v in raw.items() if not k.startswith("_")}


def provider_settings(name: str) -> dict[str, Any]:
    try:
        return _table()[name]
    except KeyError:
        raise BadInput(f"unknown provider {name!r}: choose {' or '.join(sorted(_table()))} "
                       "(or --local CHECKPOINT)") from None


def _url(base_url: str, path: str) -> str:
    return resolve_base_url(base_url).rstrip("/") + path


def upload_request(provider: str, base_url: str, api_key: str, training_file: Path) -> Request:
    settings = provider_settings(provider)
    content = Path(training_file).read_bytes()
    fields = {k: v.format(file_name=Path(training_file).name) for k, v in settings["upload_fields"].items()}
    boundary = f"remedy-{uuid.uuid4().hex}"
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
             for k, v in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{Path(training_file).name}"'
                 f'\r\nContent-Type: application/jsonl\r\n\r\n'.encode() + content + b"\r\n")
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    headers = {"Authorization": f"Bearer {api_key}", "Content-Type": f"multipart/form-data; boundary={boundary}"}
    lines = content.count(b"\n")
    summary = {"multipart": dict(fields, file=f"{Path(training_file).name} ({len(content)} bytes, {lines} lines)")}
    return Request("POST", _url(base_url or settings["base_url"], settings["upload_path"]), headers, body, summary)


def job_body(provider: str, model: str, file_id: str, kind: str, epochs: int, suffix: str | None) -> dict[str, Any]:
    if provider == "openai":
        method = "supervised" if kind == "sft" else "dpo"
        body: dict[str, Any] = {"model": model, "training_file": file_id,
                                "method": {"type": method, method: {"hyperparameters": {"n_epochs": epochs}}}}
    else:
        body = {"model": model, "training_file": file_id, "n_epochs": epochs,
                "training_method": {"method": kind}, "training_type": {"type": "Lora"}}
    if suffix:
        body["suffix"] = suffix
    return body


def job_request(provider: str, base_url: str, api_key: str, model: str, file_id: str, kind: str,
                epochs: int, suffix: str | None = None) -> Request:
    settings = provider_settings(provider)
    body = job_body(provider, model, file_id, kind, epochs, suffix)
    headers = {"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"}
    return Request("POST", _url(base_url or settings["base_url"], settings["jobs_path"]), headers,
                   json.dumps(body).encode(), body)


def send(request: Request, provider: str) -> dict[str, Any]:
    """The provider's JSON answer; BackendError (one line) for any failure."""
    http = urllib.request.Request(request.url, data=request.body, headers=request.headers, method=request.method)
    try:
        with urllib.request.urlopen(http, timeout=TIMEOUT_S) as response:
            payload = response.read()
    except urllib.error.HTTPError as exc:
        raise BackendError(_refusal(provider, request, exc)) from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise BackendError(f"cannot reach {provider} at {request.url}: {reason}") from None
    try:
        answer = json.loads(payload)
    except json.JSONDecodeError:
        raise BackendError(f"{provider} answered {request.url} with something that is not JSON") from None
    if not isinstance(answer, dict) or not answer.get("id"):
        raise BackendError(f"{provider} answered {request.url} without an id")
    return answer


def _refusal(provider: str, request: Request, exc: urllib.error.HTTPError) -> str:
    try:
        body = json.loads(exc.read() or b"{}")
    except (json.JSONDecodeError, OSError):
        body = {}
    error = body.get("error") if isinstance(body, dict) else None
    message = (error.get("message") if isinstance(error, dict) else error) or (
        body.get("message") if isinstance(body, dict) else None) or exc.reason
    what = {401: "rejected the API key", 403: "refused access", 404: "has no such endpoint",
            429: "is rate limiting or out of quota"}.get(exc.code, "refused the request")
    step = "upload" if request.summary.get("multipart") else "job"
    return redact(f"{provider} {what} ({exc.code}, {step}): {' '.join(str(message).split())[:300]}")
