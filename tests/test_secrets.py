"""No secrets in reach (issue 20, part 2): the vault takes secrets out of Remedy's environment, and
`redact` keeps them out of failure messages, CLI output, traces, logs and LLM prompts.

The end-to-end tests run the real CLI (and the server's real engine child) on a project whose
failing test puts the canary keys in its assert message and its output — pasted in, and whatever
it can find in its own environment and every ancestor's `/proc/<pid>/environ` — then look for them
everywhere Remedy writes: stdout, stderr, the JSON, `.remedy/`, and every request an LLM got.
"""
from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from agent.config import Config, LlmConfig
from agent.llm.base import ChatRequest
from agent.llm.openai_compat import OpenAICompatModel
from agent.secrets import (REDACTED, RedactingFilter, adopt_vault, redact, redact_data, register,
                           secret, take_from_environment)
from agent.testing.report import build_report, read_records
from conftest import REPO
from fakes.openai_server import FakeOpenAI

CANARY = "sk-canary0123456789abcdefABCDEF"         # OpenAI's shape: redacted by value and by shape
PLAIN_CANARY = "plain-canary-7f3a9c2e51d84b06"      # no known shape: only its registration hides it
GH_CANARY = "ghp_canaryABCDEFGHIJ0123456789abcdefgh"


# -- the vault and redact ---------------------------------------------------------------------------
@pytest.mark.parametrize("token", [
    "sk-abcdefghijklmnopqrstuvwx", "sk-proj-Abc123_def456-GHI789jkl", "ghp_" + "a1B2" * 9,
    "gho_" + "Z9y8" * 9, "ghs_" + "k" * 36, "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvw",
    "AKIAIOSFODNN7EXAMPLE", "xoxb-123456789012-abcdefghijkl", "xoxp-1-2-3-abcdefabcdef",
    "hf_" + "AbCdEfGhIjKlMnOpQrStUvWxYz01234567"])
def test_redact_replaces_every_token_shape(token: str) -> None:
    assert redact(f"before {token} after") == f"before {REDACTED} after"
    assert redact(f"x='{token}'") == f"x='{REDACTED}'"


def test_redact_keeps_the_bearer_word_and_leaves_innocent_text() -> None:
    assert redact("Authorization: Bearer abc.DEF-ghi_jkl/mno=") == f"Authorization: Bearer {REDACTED}"
    assert redact("authorization: bearer 0123456789abcdef") == f"authorization: bearer {REDACTED}"
    for text in ("task-0123456789abcdefghijkl", "a risk-assessment-of-the-thing-at-hand", "sk-short",
                 "ghp_short", "AKIA123", "Bearer me", "assert add(2, 3) == 5", ""):
        assert redact(text) == text


def test_a_registered_value_is_redacted_inside_longer_strings() -> None:
    value = "vault-unit-Q7w8e9r0t1y2"
    register(value)
    assert redact(f"prefix{value}suffix and again:{value}") == f"prefix{REDACTED}suffix and again:{REDACTED}"
    register("short7")                    # under 8 characters: too many false hits, not registered
    assert redact("a short7 b") == "a short7 b"


def test_redact_data_walks_nested_json() -> None:
    value = "nested-secret-Z1x2c3v4b5"
    register(value)
    data = {"messages": [{"role": "user", "content": f"key={value}"},
                         {"tool_calls": [{"function": {"arguments": json.dumps({"k": CANARY})}}]}],
            "n": 3, "ok": True, "none": None, "pair": (value, 1.5), value: "as a key"}
    out = redact_data(data)
    assert value not in json.dumps(out) and CANARY not in json.dumps(out)
    assert out["messages"][0]["content"] == f"key={REDACTED}"
    assert out["n"] == 3 and out["ok"] is True and out["none"] is None and out["pair"] == (REDACTED, 1.5)
    assert data["messages"][0]["content"] == f"key={value}"          # the input is left as it was


def test_take_from_environment_moves_secrets_into_the_vault(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REMEDY_UNIT_API_KEY", "unit-api-key-0a9b8c7d")
    monkeypatch.setenv("REMEDY_UNIT_CUSTOM", "unit-custom-value-55ab")      # not secret-looking
    monkeypatch.setenv("OPENAI_BASE_URL", "http://unit.example/v1")       # taken, but not a secret
    monkeypatch.setenv("REMEDY_UNIT_PLAIN", "unit-plain-value-99cd")
    take_from_environment(["REMEDY_UNIT_CUSTOM", None, ""])
    for name in ("REMEDY_UNIT_API_KEY", "REMEDY_UNIT_CUSTOM", "OPENAI_BASE_URL"):
        assert name not in os.environ
    assert os.environ["REMEDY_UNIT_PLAIN"] == "unit-plain-value-99cd"
    assert secret("REMEDY_UNIT_API_KEY") == "unit-api-key-0a9b8c7d"
    assert secret("REMEDY_UNIT_CUSTOM") == "unit-custom-value-55ab"
    assert secret("REMEDY_UNIT_PLAIN") == "unit-plain-value-99cd"          # not taken: from os.environ
    assert secret("REMEDY_UNIT_NOWHERE") is None
    text = "unit-api-key-0a9b8c7d unit-custom-value-55ab http://unit.example/v1 unit-plain-value-99cd"
    assert redact(text) == f"{REDACTED} {REDACTED} http://unit.example/v1 unit-plain-value-99cd"


def test_the_report_is_redacted_and_its_file_bounded(tmp_path: Path) -> None:
    register(PLAIN_CANARY)
    records = [{"kind": "start", "nodeid": "t.py::a"}, {"kind": "start", "nodeid": "t.py::b"},
               {"kind": "test", "nodeid": "t.py::a", "outcome": "failed", "message": f"boom {PLAIN_CANARY}",
                "frames": [["t.py", 3, f"f_{CANARY}"]]},
               {"kind": "collect_error", "path": "u.py", "line": 1, "message": f"bad {CANARY}"}]
    report = build_report(records, exit_code=1, timed_out=False, duration=0.1,
                          crash_note=f"died with {PLAIN_CANARY}")
    text = repr(report)
    assert PLAIN_CANARY not in text and CANARY not in text
    assert report.results[0].message == f"boom {REDACTED}"
    assert report.results[1].message == f"died with {REDACTED}"

    path = tmp_path / "report.jsonl"
    line = json.dumps({"kind": "start", "nodeid": "t.py::x"}) + "\n"
    path.write_text(line * 1000 + "5\n[]\n")
    assert len(read_records(path)) == 1000                               # non-objects dropped
    assert len(read_records(path, limit=len(line) * 10 + 7)) == 10       # the torn line at the cut too
    os.mkfifo(tmp_path / "fifo")
    assert read_records(tmp_path / "fifo") == []                         # no hang on a FIFO
    (tmp_path / "link").symlink_to(path)
    assert read_records(tmp_path / "link") == []


def test_log_records_are_redacted() -> None:
    register(PLAIN_CANARY)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter())
    log = logging.getLogger("remedy.test_secrets")
    log.addHandler(handler)
    try:
        log.error("key is %s", PLAIN_CANARY)
        try:
            raise RuntimeError(f"failed with {CANARY}")
        except RuntimeError:
            log.exception("engine failed")
    finally:
        log.removeHandler(handler)
    text = stream.getvalue()
    assert "key is [redacted]" in text and "RuntimeError: failed with [redacted]" in text
    assert PLAIN_CANARY not in text and CANARY not in text


def test_prompts_are_redacted_and_the_key_goes_only_in_the_header() -> None:
    with FakeOpenAI([{"content": "ok"}], api_key=PLAIN_CANARY) as server:
        model = OpenAICompatModel(server.base_url, "fake-model", "REMEDY_UNIT_LLM_KEY",
                                  environ={"REMEDY_UNIT_LLM_KEY": PLAIN_CANARY}, retries=0)
        reply = model.complete(ChatRequest([
            {"role": "system", "content": "You fix tests."},
            {"role": "user", "content": f"the test said: {PLAIN_CANARY} / {CANARY}"}]))
    assert reply.content == "ok"                      # the fake checked `Authorization: Bearer <key>`
    assert len(server.requests) == 1
    body = json.dumps(server.requests[0])
    assert PLAIN_CANARY not in body and CANARY not in body and REDACTED in body
    assert PLAIN_CANARY not in repr(model)


def test_the_editors_api_key_env_leaves_the_servers_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from types import SimpleNamespace

    from server.settings import apply_settings

    monkeypatch.setenv("REMEDY_UNIT_EDITOR_LLM", "editor-llm-value-31ce")      # a name no rule knows
    ls = SimpleNamespace(config=None, settings_applied=0, window_show_message=lambda params: None)
    assert apply_settings(ls, {"remedy": {"llm": {"apiKeyEnv": "REMEDY_UNIT_EDITOR_LLM"}}})
    assert ls.config.llm.api_key_env == "REMEDY_UNIT_EDITOR_LLM"
    assert "REMEDY_UNIT_EDITOR_LLM" not in os.environ
    assert secret("REMEDY_UNIT_EDITOR_LLM") == "editor-llm-value-31ce"
    assert redact("editor-llm-value-31ce") == REDACTED


# -- end to end -------------------------------------------------------------------------------------
LEAKY_TEST = '''\
import os
import sys

from calc import compute


def leak():
    """Every secret in reach: our environment, and each ancestor's /proc/<pid>/environ."""
    found = [os.environ.get(n, "") for n in ("OPENAI_API_KEY", "GITHUB_TOKEN", "REMEDY_E2E_KEY")]
    pid = os.getppid()
    for _ in range(8):
        try:
            with open("/proc/%d/environ" % pid, "rb") as fh:
                found.append(fh.read().decode(errors="replace"))
            with open("/proc/%d/status" % pid) as fh:
                pid = int(next(l for l in fh if l.startswith("PPid:")).split()[1])
        except (OSError, StopIteration, ValueError):
            break
        if pid <= 1:
            break
    return " ".join(found)


def test_compute():
    secrets = "@CANARIES@ " + leak()     # the key pasted in, and every key in reach
    print(secrets)
    sys.stderr.write(secrets)
    assert compute() == 1, secrets


def test_small():
    assert compute(1) == 0
'''


@pytest.fixture
def leaky(tmp_path: Path) -> Path:
    root = tmp_path / "leaky"
    root.mkdir()
    (root / "calc.py").write_text("def compute(n=3):\n    if n > 3:\n        return 1\n    return 0\n")
    pasted = f"{CANARY} {PLAIN_CANARY} {GH_CANARY}"
    (root / "test_calc.py").write_text(LEAKY_TEST.replace("@CANARIES@", pasted))
    return root


def _secret_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env.update(OPENAI_API_KEY=CANARY, GITHUB_TOKEN=GH_CANARY, REMEDY_E2E_KEY=PLAIN_CANARY)
    return env


def _assert_nowhere(root: Path, *texts: str) -> None:
    for canary in (CANARY, GH_CANARY, PLAIN_CANARY):
        for text in texts:
            assert canary not in text, f"{canary} leaked: ...{text[max(0, text.find(canary) - 200):][:400]}"
        for path in (root / ".remedy").rglob("*") if (root / ".remedy").is_dir() else []:
            if path.is_file():
                assert canary.encode() not in path.read_bytes(), f"{canary} leaked into {path}"


def _run_cli(*args: str) -> tuple[int, dict, str, str]:
    proc = subprocess.run([sys.executable, "-m", "agent.cli", *args, "--json"], cwd=REPO, env=_secret_env(),
                          capture_output=True, text=True, timeout=240)
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    assert len(lines) == 1, (proc.stdout, proc.stderr)
    return proc.returncode, json.loads(lines[0]), proc.stdout, proc.stderr


def test_cli_fix_leaks_no_key_a_test_found(leaky: Path) -> None:
    code, out, stdout, stderr = _run_cli("fix", "--root", str(leaky), "--api-key-env", "REMEDY_E2E_KEY",
                                         "--time-budget", "60")
    assert out["status"] == "fixed" and code == 0, (out, stderr)
    assert f"test_calc.py::test_compute: AssertionError: {REDACTED} {REDACTED} {REDACTED}" in stderr
    _assert_nowhere(leaky, stdout, stderr, json.dumps(out))


def test_cli_fix_with_the_llm_sends_the_key_only_in_the_header(leaky: Path) -> None:
    steps = [("list_files", {"rel_dir": "."}), ("read_file", {"path": "test_calc.py"}),   # quotes the keys
             ("edit", {"path": "calc.py", "old_text": "n > 3", "new_text": "n >= 3"}),
             ("run_tests", {}), ("finish", {"summary": "compute() counts 3 in", "changes": "calc.py"})]
    with _RecordingOpenAI([{"tool_calls": [{"name": n, "arguments": a}]} for n, a in steps],
                          api_key=PLAIN_CANARY) as server:
        code, out, stdout, stderr = _run_cli(
            "fix", "test_calc.py::test_compute", "--root", str(leaky), "--engine", "llm",
            "--base-url", server.base_url, "--model", "fake-model", "--api-key-env", "REMEDY_E2E_KEY")
    # every request carried `Authorization: Bearer <PLAIN_CANARY>`, or the fake would have said 401
    assert code == 0 and out["status"] == "fixed" and out["engine"] == "llm", (out, stderr)
    assert server.rejections == [] and server.bodies
    prompts = [json.dumps(body) for body in server.bodies]
    assert any("test_compute" in p and REDACTED in p for p in prompts)      # the failure was quoted
    assert any("def leak()" in p for p in prompts)                          # and the test file read
    _assert_nowhere(leaky, stdout, stderr, json.dumps(out), *prompts)
    assert list((leaky / ".remedy" / "traces").glob("*.jsonl"))


def test_the_server_hands_its_vault_to_the_engine_child(leaky: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The engine child's environment has no key: it can only come through the start frame."""
    from server.engine_process import EngineProcess

    from agent import CancelToken
    from agent.events import Done, ToolResult

    monkeypatch.delenv("REMEDY_E2E_CHILD_KEY", raising=False)
    adopt_vault({"REMEDY_E2E_CHILD_KEY": PLAIN_CANARY})
    steps = [("list_files", {"rel_dir": "."}), ("read_file", {"path": "test_calc.py"}),
             ("edit", {"path": "calc.py", "old_text": "n > 3", "new_text": "n >= 3"}),
             ("run_tests", {}), ("finish", {"summary": "fixed", "changes": "calc.py"})]

    async def drive(base_url: str) -> list:
        cfg = Config(engine="llm", time_budget=60, llm=LlmConfig(
            base_url=base_url, model="fake-model", api_key_env="REMEDY_E2E_CHILD_KEY"))
        return [e async for e in EngineProcess(5.0).events(leaky, ["test_calc.py::test_compute"], cfg,
                                                            CancelToken(), lambda q: False)]

    with _RecordingOpenAI([{"tool_calls": [{"name": n, "arguments": a}]} for n, a in steps],
                          api_key=PLAIN_CANARY) as server:
        events = asyncio.run(drive(server.base_url))
    done = [e for e in events if isinstance(e, Done)]
    assert done and done[0].result.status.value == "fixed", [e.to_data() for e in events]
    assert server.bodies and server.rejections == []
    assert any(isinstance(e, ToolResult) and "def leak()" in e.output for e in events)   # file read
    _assert_nowhere(leaky, *(json.dumps(b) for b in server.bodies),
                    *(json.dumps(e.to_data()) for e in events))


class _RecordingOpenAI(FakeOpenAI):
    """The fake endpoint, also keeping every body that passed its key check (400s included)."""

    def __init__(self, *args, **kw) -> None:
        super().__init__(*args, **kw)
        self.bodies: list[dict] = []

    def answer(self, body: dict):
        self.bodies.append(body)
        return super().answer(body)
