"""`remedy finetune --provider openai|together`: the real CLI in a subprocess against a loopback
server playing the providers' files and fine-tuning endpoints (tests/fakes/finetune_server.py).
The training data comes from a real `remedy fix --engine llm` run, exported by `remedy export`."""
from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO
from fakes.finetune_server import FakeFineTuning
from fakes.openai_server import FakeOpenAI

KEY = "sk-test-fine-tuning-key-123456"
MODEL = "gpt-4o-mini-2024-07-18"


def steps(new_text: str) -> list[dict]:
    calls = [("list_files", {"rel_dir": "."}), ("edit", {"path": "calc.py", "old_text": "a - b", "new_text": new_text}),
             ("run_tests", {}), ("finish", {"summary": f"add() returns {new_text}", "changes": "calc.py"})]
    return [{"tool_calls": [{"name": n, "arguments": a}]} for n, a in calls]


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> dict[str, Path]:
    """A project whose trace holds a fixed session with two patches, and its sft export."""
    root = tmp_path_factory.mktemp("ft") / "proj"
    root.mkdir()
    (root / "calc.py").write_text("def add(a, b):\n    return a - b\n")
    (root / "test_calc.py").write_text("from calc import add\n\ndef test_add():\n    assert add(2, 3) == 5\n"
                                       "\ndef test_zero():\n    assert add(0, 0) == 0\n")
    with FakeOpenAI(steps("5") + steps("a + b")) as llm:
        fixed = remedy("fix", "--root", str(root), "--engine", "llm", "--base-url", llm.base_url,
                       "--model", "gpt-4o-mini", "--json")
    assert json.loads(fixed.stdout)["status"] == "fixed", fixed.stderr
    exported = root.parent / "exported.jsonl"
    assert remedy("export", "sft", "--root", str(root), "--out", str(exported)).returncode == 0
    sft = root.parent / "sft.jsonl"             # OpenAI takes files of ten examples or more
    sft.write_text(exported.read_text() * 10)
    return {"root": root, "sft": sft, "exported": exported}


def remedy(*args: str, key: str | None = KEY, stdin=subprocess.DEVNULL) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "OPENAI_", "TOGETHER_"))}
    if key is not None:
        env.update(OPENAI_API_KEY=key, TOGETHER_API_KEY=key)
    return subprocess.run([sys.executable, "-m", "agent.cli", *args], cwd=REPO, env=env, stdin=stdin,
                          capture_output=True, text=True, timeout=180)


def finetune_json(*args: str, **kw) -> tuple[int, dict, str]:
    proc = remedy("finetune", *args, "--json", **kw)
    lines = [ln for ln in proc.stdout.splitlines() if ln.strip()]
    assert len(lines) == 1, f"stdout must be one JSON object: {proc.stdout!r} / {proc.stderr}"
    assert "Traceback" not in proc.stderr
    return proc.returncode, json.loads(lines[0]), proc.stderr


def test_dry_run_shows_the_requests_with_the_key_redacted_and_sends_nothing(data) -> None:
    with FakeFineTuning(api_key=KEY) as server:
        code, out, err = finetune_json("--provider", "openai", "--model", MODEL, "--file", str(data["sft"]),
                                       "--base-url", server.base_url, "--dry-run")
        text = remedy("finetune", "--provider", "openai", "--model", MODEL, "--file", str(data["sft"]),
                      "--base-url", server.base_url, "--dry-run")
    assert code == 0 and out["status"] == "dry_run", (out, err)
    assert server.requests == []                        # nothing was sent, by either run
    upload, job = out["requests"]
    assert (upload["method"], upload["url"]) == ("POST", f"{server.base_url}/files")
    assert upload["headers"]["Authorization"] == "Bearer ***"
    assert upload["body"]["multipart"]["purpose"] == "fine-tune"
    assert upload["body"]["multipart"]["file"].startswith("sft.jsonl (")
    assert (job["method"], job["url"]) == ("POST", f"{server.base_url}/fine_tuning/jobs")
    assert job["body"]["model"] == MODEL and job["body"]["method"]["type"] == "supervised"
    assert out["estimate"]["training_tokens"] > 0 and out["estimate"]["cost_usd"] > 0
    assert KEY not in json.dumps(out) + err + text.stdout + text.stderr
    assert text.returncode == 0 and '"url": "' + f"{server.base_url}/files" in text.stdout
    assert "training tokens" in text.stderr and "$" in text.stderr       # the estimate comes first


def test_openai_sft_uploads_the_file_and_creates_a_supervised_job(data) -> None:
    with FakeFineTuning(api_key=KEY, models={MODEL}) as server:
        code, out, err = finetune_json("--provider", "openai", "--model", MODEL, "--file", str(data["sft"]),
                                       "--base-url", server.base_url, "--yes", "--epochs", "2")
    assert code == 0 and out["status"] == "submitted", (out, err)
    [upload] = server.uploads
    assert upload["fields"] == {"purpose": "fine-tune"}
    assert upload["filename"] == "sft.jsonl" and upload["content"] == data["sft"].read_bytes()
    [job] = server.jobs
    assert job["body"] == {"model": MODEL, "training_file": upload["id"],
                           "method": {"type": "supervised", "supervised": {"hyperparameters": {"n_epochs": 2}}}}
    assert [r["path"] for r in server.requests] == ["/v1/files", "/v1/fine_tuning/jobs"]
    assert all(r["headers"]["Authorization"] == f"Bearer {KEY}" for r in server.requests)
    assert out["training_file"] == upload["id"] and out["job"]["id"].startswith("ftjob-")


def test_together_dpo_exports_from_the_root_and_creates_a_dpo_job(data) -> None:
    with FakeFineTuning(api_key=KEY) as server:
        code, out, err = finetune_json("--provider", "together", "--model", "Qwen/Qwen2.5-7B-Instruct",
                                       "--kind", "dpo", "--root", str(data["root"]), "--base-url", server.base_url,
                                       "--yes")
    assert code == 0 and out["status"] == "submitted", (out, err)
    [upload] = server.uploads
    assert upload["fields"] == {"purpose": "fine-tune", "file_name": "dpo.jsonl", "file_type": "jsonl"}
    line = json.loads(upload["content"].decode().splitlines()[0])
    assert set(line) == {"input", "preferred_output", "non_preferred_output"}
    [job] = server.jobs
    assert job["body"] == {"model": "Qwen/Qwen2.5-7B-Instruct", "training_file": upload["id"], "n_epochs": 3,
                           "training_method": {"method": "dpo"}, "training_type": {"type": "Lora"}}
    assert [r["path"] for r in server.requests] == ["/v1/files/upload", "/v1/fine-tunes"]


def test_without_a_terminal_or_yes_it_refuses_to_spend(data) -> None:
    with FakeFineTuning(api_key=KEY) as server:
        code, out, err = finetune_json("--provider", "openai", "--model", MODEL, "--file", str(data["sft"]),
                                       "--base-url", server.base_url)
    assert code == 2 and out["status"] == "error" and "--yes" in out["message"]
    assert server.requests == []
    assert len(err.strip().splitlines()) == 2 and "training tokens" in err     # the estimate, the refusal


@pytest.mark.parametrize("answer", ["n", "y"])
def test_on_a_terminal_it_asks_first(data, answer: str) -> None:
    with FakeFineTuning(api_key=KEY) as server:
        master, slave = pty.openpty()
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
        proc = subprocess.Popen([sys.executable, "-m", "agent.cli", "finetune", "--provider", "openai", "--model",
                                 MODEL, "--file", str(data["sft"]), "--base-url", server.base_url],
                                cwd=REPO, env=dict(env, OPENAI_API_KEY=KEY), stdin=slave, stderr=slave,
                                stdout=subprocess.PIPE, text=True)
        os.close(slave)
        seen = b""
        while b"[y/N]" not in seen:
            seen += os.read(master, 4096)
        os.write(master, f"{answer}\n".encode())
        stdout, _ = proc.communicate(timeout=120)
        os.close(master)
    assert b"about $" in seen
    if answer == "n":
        assert proc.returncode == 1 and server.requests == []
    else:
        assert proc.returncode == 0 and len(server.jobs) == 1 and "ftjob-" in stdout


def test_a_wrong_key_is_one_line_naming_it(data) -> None:
    with FakeFineTuning(api_key=KEY) as server:
        code, out, err = finetune_json("--provider", "openai", "--model", MODEL, "--file", str(data["sft"]),
                                       "--base-url", server.base_url, "--yes", key="sk-wrong-key-000000000000")
    assert code == 3 and out["message"] == "openai rejected the API key (401, upload): Incorrect API key provided"
    assert err.strip().splitlines()[-1] == f"remedy: error: {out['message']}"


def test_a_refused_job_is_one_line_with_the_providers_message(data) -> None:
    with FakeFineTuning(api_key=KEY, models={MODEL}) as server:
        code, out, err = finetune_json("--provider", "openai", "--model", "gpt-nonexistent", "--file",
                                       str(data["sft"]), "--base-url", server.base_url, "--yes")
    assert code == 3 and out["status"] == "error"
    assert out["message"] == ("openai refused the request (400, job): Model gpt-nonexistent is not available "
                              "for fine-tuning or does not exist.")
    assert len(server.uploads) == 1 and server.jobs == []


def test_openai_wants_ten_examples(data) -> None:
    code, out, _ = finetune_json("--provider", "openai", "--model", MODEL, "--file", str(data["exported"]),
                                 "--dry-run")
    assert code == 2 and out["message"] == f"openai takes at least 10 training examples; {data['exported']} has 1"


def test_an_endpoint_that_is_down_is_one_line(data) -> None:
    code, out, err = finetune_json("--provider", "together", "--model", "m", "--file", str(data["sft"]),
                                   "--base-url", "http://127.0.0.1:9/v1", "--yes")
    assert code == 3 and out["message"].startswith("cannot reach together at http://127.0.0.1:9/v1/files/upload")


@pytest.mark.parametrize("args, words", [
    ((), "--provider"),
    (("--provider", "azure", "--model", "m"), "unknown provider 'azure'"),
    (("--provider", "openai"), "--model"),
    (("--provider", "openai", "--model", "m"), "--file JSONL, or --kind"),
    (("--provider", "openai", "--model", "m", "--file", "/nonexistent.jsonl"), "no training file"),
    (("--provider", "openai", "--model", "m", "--kind", "sft", "--root", "/nonexistent"), "no such project root"),
    (("--provider", "openai", "--model", "m", "--kind", "rlhf"), "--kind must be sft or dpo"),
    (("--provider", "openai", "--model", "m", "--kind", "sft", "--epochs", "two"), "--epochs must be a whole number"),
])
def test_bad_input_is_one_line_and_one_object(args, words: str) -> None:
    code, out, err = finetune_json(*args, "--yes")
    assert code == 2 and out["status"] == "error" and words in out["message"], out
    assert err.strip().splitlines() == [f"remedy: error: {out['message']}"]


def test_a_file_in_another_format_is_refused_before_anything_is_sent(tmp_path: Path) -> None:
    bad = tmp_path / "pairs.jsonl"
    bad.write_text(json.dumps({"prompt": "p", "chosen": "a", "rejected": "b"}) + "\n")
    wrong_turns = tmp_path / "turns.jsonl"
    wrong_turns.write_text(json.dumps({"messages": [{"role": "user", "content": "u"}, {"role": "user", "content": "v"},
                                                    {"role": "assistant", "content": "a"}]}) + "\n")
    with FakeFineTuning(api_key=KEY) as server:
        code, out, _ = finetune_json("--provider", "openai", "--model", MODEL, "--file", str(bad),
                                     "--base-url", server.base_url, "--yes")
        code2, out2, _ = finetune_json("--provider", "together", "--model", "m", "--file", str(wrong_turns),
                                       "--base-url", server.base_url, "--yes")
    assert code == 2 and out["message"] == f"{bad}:1: not a sft or dpo training line"
    assert code2 == 2 and "two user messages in a row" in out2["message"]
    assert server.requests == []
