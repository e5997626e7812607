"""OpenAI-compatible chat completions (OpenAI, Together, vLLM, Ollama, llama.cpp server) through
the official openai SDK pointed at a `base_url`.

The API key is read once, at construction, from the secret vault (agent/secrets.py: the variable
named in the settings, `--api-key-env`, taken out of the environment at start-up) and kept only
inside the SDK client: never logged, traced or stored, and registered for redaction. Every
request's messages are redacted before they are sent, so the key reaches the endpoint only in
the Authorization header. Transient failures (connection, timeout, 429, 5xx) are retried with
exponential backoff; everything else becomes one clear `BackendError` line. Replies are
streamed, and text deltas are passed on.
"""
from __future__ import annotations

import time
from typing import Any, Callable, Mapping

import openai

from ..errors import BackendError
from ..secrets import redact, register, secret
from .base import ChatReply, ChatRequest, DeltaCallback, ToolCallRequest, Usage
from .catalog import resolve_base_url

__all__ = ["OpenAICompatModel"]

_TRANSIENT = (openai.APIConnectionError, openai.RateLimitError, openai.InternalServerError)


class OpenAICompatModel:
    def __init__(self, base_url: str, model: str, api_key_env: str = "OPENAI_API_KEY", *,
                 timeout: float = 120.0, retries: int = 3, backoff: float = 0.5,
                 stream: bool = True, environ: Mapping[str, str] | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.name = model
        self.base_url = resolve_base_url(base_url)
        self.api_key_env = api_key_env
        self.retries, self.backoff, self.stream, self.timeout = retries, backoff, stream, timeout
        self._sleep = sleep
        read = environ.get if environ is not None else secret
        key = read(api_key_env)
        register(key)
        # Self-hosted servers ignore the key; the SDK still wants a non-empty one. The organization
        # and project ids are taken from the environment with the key: hand them over here.
        self._client = openai.OpenAI(base_url=self.base_url, api_key=key or "no-key-set",
                                     organization=read("OPENAI_ORG_ID") or None,
                                     project=read("OPENAI_PROJECT_ID") or None,
                                     timeout=timeout, max_retries=0)

    def __repr__(self) -> str:   # never show the key
        return f"OpenAICompatModel({self.base_url!r}, {self.name!r})"

    def complete(self, request: ChatRequest, on_delta: DeltaCallback | None = None) -> ChatReply:
        request = request.redacted()
        kwargs: dict[str, Any] = {"model": self.name, "messages": request.messages,
                                  "temperature": request.temperature}
        if request.tools:
            kwargs["tools"] = request.tools
        if request.max_tokens:
            kwargs["max_tokens"] = request.max_tokens
        if request.seed is not None:
            kwargs["seed"] = request.seed
        for attempt in range(self.retries + 1):
            try:
                if self.stream:
                    return self._streamed(kwargs, on_delta)
                return self._plain(kwargs)
            except _TRANSIENT as exc:
                if attempt == self.retries:
                    raise self._error(exc) from None
                self._sleep(self.backoff * 2 ** attempt)
            except openai.OpenAIError as exc:
                raise self._error(exc) from None
        raise BackendError("unreachable")   # the loop always returns or raises

    def _plain(self, kwargs: dict[str, Any]) -> ChatReply:
        resp = self._client.chat.completions.create(**kwargs)
        if not resp.choices:
            raise BackendError(f"LLM endpoint {self.base_url} returned no choices")
        msg = resp.choices[0].message
        calls = [ToolCallRequest(c.id or f"call_{i}", c.function.name or "", c.function.arguments or "")
                 for i, c in enumerate(msg.tool_calls or [])]
        usage = Usage(resp.usage.prompt_tokens, resp.usage.completion_tokens) if resp.usage else Usage()
        return ChatReply(msg.content or "", calls, usage, resp.choices[0].finish_reason or "stop")

    def _streamed(self, kwargs: dict[str, Any], on_delta: DeltaCallback | None) -> ChatReply:
        stream = self._client.chat.completions.create(
            **kwargs, stream=True, stream_options={"include_usage": True})
        text: list[str] = []
        calls: dict[int, dict[str, str]] = {}
        usage, finish = Usage(), "stop"
        for chunk in stream:
            if chunk.usage:
                usage = Usage(chunk.usage.prompt_tokens, chunk.usage.completion_tokens)
            for choice in chunk.choices or []:
                delta = choice.delta
                if delta.content:
                    text.append(delta.content)
                    if on_delta is not None:
                        on_delta(delta.content)
                for tc in delta.tool_calls or []:
                    slot = calls.setdefault(tc.index, {"id": "", "name": "", "arguments": ""})
                    slot["id"] = tc.id or slot["id"]
                    if tc.function is not None:
                        slot["name"] += tc.function.name or ""
                        slot["arguments"] += tc.function.arguments or ""
                finish = choice.finish_reason or finish
        tool_calls = [ToolCallRequest(c["id"] or f"call_{i}", c["name"], c["arguments"])
                      for i, c in sorted(calls.items())]
        return ChatReply("".join(text), tool_calls, usage, finish)

    def _error(self, exc: Exception) -> BackendError:
        where = f"LLM endpoint {self.base_url}"
        if isinstance(exc, openai.AuthenticationError):
            return BackendError(f"{where} refused the API key (HTTP 401); set ${self.api_key_env}")
        if isinstance(exc, openai.PermissionDeniedError):
            return BackendError(f"{where} denied access (HTTP 403); check ${self.api_key_env}")
        if isinstance(exc, openai.APITimeoutError):
            return BackendError(f"{where} timed out after {self.timeout:g}s")
        if isinstance(exc, openai.APIConnectionError):
            return BackendError(f"cannot reach {where} (is the server running?)")
        if isinstance(exc, openai.NotFoundError):
            return BackendError(f"{where}: model {self.name!r} or route not found (HTTP 404)")
        if isinstance(exc, openai.APIStatusError):
            return BackendError(f"{where} answered HTTP {exc.status_code}: {_short(redact(exc.message))}")
        return BackendError(f"{where}: {_short(redact(str(exc)))}")


def _short(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "..."
