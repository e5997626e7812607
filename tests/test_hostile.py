"""Hostile tests (issue 20, "Done means"): the sandbox holds against project code that attacks the
machine it runs on, through the real `remedy fix` CLI and through the language server's real fix
job, started from the "Fix this test" lens by a pytest-lsp client over stdio, as root (as CI runs).

Each scenario generates a small project P with one simple bug (`n > 3` for `n >= 3`, which the
built-in engine fixes in seconds) whose conftest, module under repair and tests run the attacks in
tests/fixtures/hostile/attacks.py in every process Remedy starts for P: the reproduction run, the
warm validation workers and their forks. Remedy runs in P with secrets in its environment and a
home folder of P's own as $HOME. Afterwards each test checks from outside, through the CLI and the
server: canaries outside and inside P intact and P's tree byte-identical (except `.remedy/`), no
new file in $HOME, no marked process alive (the server still up), nothing received by a loopback
listener (direct and after `setns`), no canary secret (nor its reversal, which no redaction
knows) in any output, file, server log, notification or LLM prompt; hard limits stay hard; Remedy's
own memory and temporary files bounded under 1 GB of test output; hung tests killed at their
limit; and every time, that Remedy's result is sane (a JSON object with a status, no traceback).

The attacks report what they could do in the failing test's assertion message (`NET done=none
refused=3 | direct=refused:...`), which Remedy reports (the CLI the start of it, the server all):
that proves the attack ran, and was refused. Run with `--unsafe-sandbox` / `remedy.sandbox.unsafe`
(locally, never committed), the files, secrets, network, process and hang scenarios fail on the
attack; limits and bounded output are Remedy's in both modes, so two small tests here show that
those checks can fail too (soft-only limits get raised; a large process and file get measured).

`.remedy/` in P is Remedy's own state, hidden from the tests, and may change: `traces/<id>.jsonl`
(LLM sessions), `impact.sqlite` (the watch's coverage cache), `decisions.jsonl`
(review decisions), `learning.sqlite` and `.gitignore` (the learning store, which git ignores), `undo/<id>.json` (only with --apply); nothing else may appear there.
"""
from __future__ import annotations

import asyncio
import hashlib
import json
import os
import re
import resource
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pytest
from lsprotocol import types
from pytest_lsp import ClientServerConfig, client_capabilities

from conftest import processes_marked
from fakes.openai_server import FakeOpenAI
from test_lsp_e2e import attach_editor
from test_lsp_e2e import fix as fix_from_lens

pytestmark = pytest.mark.slow

ATTACKS = Path(__file__).parent / "fixtures" / "hostile" / "attacks.py"
TEST_ID = "tests/test_calc.py::test_compute"
BUDGET = 25.0           # seconds of --time-budget / timeBudget (its fifth: one reproduced test's limit)
HEAVY_BUDGET = 40.0     # where each test process starts 500 processes or prints 1 GB, on 2 busy cores
FLOOD = 250 << 20                              # to stdout and to stderr, by each test: 1 GB a run
RSS_BOUND = 400 << 20                          # Remedy's own peak RSS under that flood
TEMP_FILE_BOUND = 64 << 20                     # any temporary file of Remedy's, under the same

OPENAI_CANARY = "sk-canary7Hq2Zx9Lm4Pw8Rt6Vb3Nc1Kd5"
GITHUB_CANARY = "ghp_canary4Rf8Tg2Yh6Uj0Ik3Ol7Pa9Sd1Fg5"
DB_CANARY = "db-canary-hunter2-0b5e7c91d3a4"           # no known token shape: only taking it hides it
SECRET_ENV = {"OPENAI_API_KEY": OPENAI_CANARY, "GITHUB_TOKEN": GITHUB_CANARY, "DB_PASSWORD": DB_CANARY}
CANARIES = tuple(SECRET_ENV.values())
REMEDY_FILES = re.compile(r"(traces/[^/]+\.jsonl|impact\.sqlite(-wal|-shm|-journal)?|decisions\.jsonl"
                          r"|(learning|test_history)\.sqlite(-wal|-shm|-journal)?|\.gitignore|undo/[^/]+\.json)")
STATUSES = {"fixed", "no_fix", "already_passing", "error"}
# what the files attack may do inside the sandbox: change its own scratch copy, write its private $HOME
ALLOWED_WRITES = {"copy-write", "copy-remove", "home[expanduser]", "home[HOME]",
                  "home[hard-coded]", "none"}

CALC = '''import attacks

attacks.on_import("module")


def compute(n=3):
    if n > 3:
        return 1
    return 0
'''
TESTS = '''import attacks
from calc import compute


def test_compute(capsys):
    seen = attacks.in_test(capsys)
    assert compute() == 1, seen


def test_small(capsys):
    attacks.in_test(capsys)
    assert compute(1) == 0
'''
LOADER = '''CONFIG = {config!r}
with open(__file__[:-3] + ".txt") as _source:
    exec(compile(_source.read(), "<hostile attacks>", "exec"))
'''
CONFTEST = '''import attacks

attacks.on_import("conftest")
'''


# -- the hostile project ----------------------------------------------------------------------------
@dataclass
class Hostile:
    tmp: Path
    root: Path               # the user's project P
    outside: Path            # a canary folder outside P
    home: Path               # $HOME as Remedy sees it
    marker: str              # in the command line of every process the attacks start
    listener: socket.socket | None = None


def tree(top: Path, skip: str = "") -> dict[str, str]:
    """Every entry under `top` with what it is: files byte for byte and their mode, links, folders."""
    found = {}
    for dirpath, dirnames, filenames in os.walk(top):
        rel_dir = os.path.relpath(dirpath, top)
        if skip and (rel_dir == skip or rel_dir.startswith(skip + os.sep)):
            dirnames[:] = []
            continue
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            rel = os.path.normpath(os.path.join(rel_dir, name))
            if skip and rel == skip:
                continue
            if os.path.islink(path):
                found[rel] = "link:" + os.readlink(path)
            elif os.path.isdir(path):
                found[rel] = "dir"
            else:
                with open(path, "rb") as fh:
                    found[rel] = f"{os.stat(path).st_mode:o}:{hashlib.sha256(fh.read()).hexdigest()}"
    return found


def changes(before: dict[str, str], after: dict[str, str]) -> str:
    return "; ".join(f"{what}: {sorted(paths)[:8]}" for what, paths in (
        ("removed", before.keys() - after.keys()), ("added", after.keys() - before.keys()),
        ("changed", {p for p in before.keys() & after.keys() if before[p] != after[p]})) if paths)


def hostile_project(tmp_path: Path, *, conftest=(), module=(), test=(), extra_tests: str = "",
                    listener: bool = False, git: bool = False, **config) -> Hostile:
    """P: calc.py (the bug), tests/test_calc.py (one failing, one passing test), conftest.py and
    attacks.py, canary files and P's token; a canary folder outside P and a home folder. `git`:
    P is a repository whose `core.fsmonitor` hook (git runs it on `git ls-files`) writes into the
    canary folder, with its environment."""
    root, outside, home = tmp_path / "P", tmp_path / "outside", tmp_path / "home"
    for folder in (root / "tests", root / "keep", outside / "sub", home):
        folder.mkdir(parents=True)
    (outside / "precious.txt").write_text("outside canary\n")
    (outside / "sub" / "deep.txt").write_text("deeper canary\n")
    (home / ".bashrc").write_text("export PS1='$ '\n")
    sock = None
    if listener:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)
        sock.setblocking(False)
    token = secrets.token_hex(8)
    marker = "m" + secrets.token_hex(6)
    settings = {"project": str(root), "token_name": "HOSTILE_TOKEN", "token": token,
                "outside": str(outside), "home": str(home), "real_home": os.path.expanduser("~"),
                "marker": marker, "port": sock.getsockname()[1] if sock else 9,
                "conftest": list(conftest), "module": list(module), "test": list(test), **config}
    # compiled under a name outside the project, so fault localization never blames the attacks
    (root / "attacks.py").write_text(LOADER.format(config=settings))
    (root / "attacks.txt").write_text(ATTACKS.read_text())
    (root / "calc.py").write_text(CALC)
    (root / "conftest.py").write_text(CONFTEST)
    (root / "tests" / "test_calc.py").write_text(TESTS + extra_tests)
    (root / "canary_in_p.txt").write_text("inside canary\n")
    (root / "keep" / "keep.txt").write_text("keep me\n")
    (root / "HOSTILE_TOKEN").write_text(token + "\n")
    if git:
        hook = tmp_path / "fsmonitor-hook.sh"
        hook.write_text(f'#!/bin/sh\n{{ echo "fsmonitor hook ran: $*"; env; }} >> "{outside}/fsmonitor-ran"\n'
                        'exit 1\n')
        hook.chmod(0o755)
        quiet = {"capture_output": True, "check": True, "cwd": root}
        subprocess.run(["git", "init", "-q"], **quiet)
        subprocess.run(["git", "add", "."], **quiet)
        subprocess.run(["git", "-c", "user.name=u", "-c", "user.email=u@example.com", "-c",
                        "commit.gpgsign=false", "commit", "-qm", "P"], **quiet)
        subprocess.run(["git", "config", "core.fsmonitor", str(hook)], **quiet)
    return Hostile(tmp_path, root, outside, home, marker, sock)


def remedy_env(h: Hostile) -> dict[str, str]:
    """Remedy's environment: the caller's, with secrets in it and the project's fake $HOME."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env.update(SECRET_ENV, HOME=str(h.home))
    return env


# -- what one fix run left behind -------------------------------------------------------------------
@dataclass
class Outcome:
    via: str
    result: dict                                # the --json object / the job's Done event
    failures: str                               # the failure messages Remedy reported
    texts: list[str] = field(default_factory=list)   # everything Remedy said, to search for secrets
    footprint: Footprint | None = None          # Remedy's own processes (when measured)
    elapsed: float = 0.0

    def sane(self) -> None:
        """One JSON object with a status (the CLI's stdout; the job's Done event), no traceback."""
        assert isinstance(self.result, dict) and self.result.get("status") in STATUSES, \
            (self.result, self.texts[-1][-3000:] if self.texts else "")
        for text in self.texts:
            at = text.find("Traceback (most recent call last)")
            assert at < 0, text[at:at + 3000]


class Footprint:
    """Samples what Remedy itself holds while it runs: the peak RSS (VmHWM) of a process and of
    its descendants that run in this PID namespace (the sandboxed test processes are in their own
    and are not Remedy's memory), and the size of every temporary file they keep open (a deleted
    one included), which is where unbounded output would go instead."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        self.pid, self.interval = pid, interval
        self.peak_rss, self.temp_files = 0, {}
        self._stop = threading.Event()
        self._ns = os.readlink("/proc/self/ns/pid")
        self._tmp = os.path.realpath(tempfile.gettempdir()) + "/"
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _family(self) -> list[int]:
        parents = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/stat", "rb") as fh:
                        parents[int(entry)] = int(fh.read().rsplit(b")", 1)[1].split()[1])
                except (OSError, ValueError, IndexError):
                    continue
        family, grew = {self.pid}, True
        while grew:
            more = {p for p, pp in parents.items() if pp in family} - family
            grew, family = bool(more), family | more
        return [p for p in family if self._ours(p)]

    def _ours(self, pid: int) -> bool:
        try:
            return os.readlink(f"/proc/{pid}/ns/pid") == self._ns
        except OSError:
            return False

    def _sample(self, pid: int) -> None:
        try:
            with open(f"/proc/{pid}/status") as fh:
                hwm = next((int(ln.split()[1]) << 10 for ln in fh if ln.startswith("VmHWM:")), 0)
            self.peak_rss = max(self.peak_rss, hwm)
            for fd in os.listdir(f"/proc/{pid}/fd"):
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
                if target.startswith(self._tmp) or target.endswith("(deleted)"):
                    size = os.stat(f"/proc/{pid}/fd/{fd}").st_size
                    self.temp_files[target] = max(self.temp_files.get(target, 0), size)
        except (OSError, ValueError):
            pass

    def _loop(self) -> None:
        while not self._stop.is_set():
            for pid in self._family():
                self._sample(pid)
            self._stop.wait(self.interval)

    def stop(self) -> "Footprint":
        self._stop.set()
        self._thread.join()
        return self

    @property
    def largest_temp_file(self) -> tuple[int, str]:
        return max(((size, path) for path, size in self.temp_files.items()), default=(0, ""))


def run_cli(h: Hostile, *args: str, budget: float = BUDGET, measure: bool = False,
            timeout: float = 150) -> Outcome:
    """`remedy fix TEST_ID --root P --json` as a subprocess, started in P as a user would."""
    start = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "agent.cli", "fix", TEST_ID, "--root", str(h.root),
                             "--json", "--time-budget", str(budget), *args], cwd=h.root, env=remedy_env(h),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    footprint = Footprint(proc.pid) if measure else None
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    finally:
        proc.kill()
        if footprint:
            footprint.stop()
    lines = [ln for ln in stdout.splitlines() if ln.strip()]
    try:
        result = json.loads(lines[0]) if len(lines) == 1 else {"stdout": stdout[-2000:]}
    except ValueError:
        result = {"stdout": stdout[-2000:]}
    return Outcome("cli", result, stderr, [stdout, stderr], footprint, time.monotonic() - start)


async def run_server(h: Hostile, settings: dict | None = None, *, budget: float = BUDGET,
                     after_job: Callable[[], None] = lambda: None, measure: bool = False) -> Outcome:
    """`python -m server` over stdio (started in P, its stderr log at DEBUG kept), one fix job
    started from the "Fix this test" lens; `after_job` runs once the job ended, the server still up."""
    start = time.monotonic()
    log = h.tmp / "server.log"
    section = {"engine": "builtin", "timeBudget": budget, **(settings or {})}
    command = ["/bin/sh", "-c", 'cd "$0" && exec "$1" -m server --log-level DEBUG 2>"$2"',
               str(h.root), sys.executable, str(log)]
    client = await ClientServerConfig(server_command=command, server_env=remedy_env(h)).start()
    footprint = Footprint(client._server.pid) if measure else None
    try:
        ed = attach_editor(client, h.root)
        client.set_configuration({"remedy": section})
        await client.initialize_session(types.InitializeParams(
            capabilities=client_capabilities("visual-studio-code"), root_uri=h.root.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=h.root.as_uri(), name="P")],
            initialization_options={"remedy": section}))
        job_id, end = await fix_from_lens(ed, "tests/test_calc.py", "test_compute")
        after_job()
        assert client._server.returncode is None, "the server must still be running"
        await client.shutdown_session()
    finally:
        if footprint:
            footprint.stop()
        await client.stop()
    done = [e for e in ed.events if e["jobId"] == job_id and e["type"] == "Done"]
    result = done[0]["data"] if done else {"state": end["data"]["state"], "message": end["data"]["message"]}
    failures = [f["message"] for e in ed.events if e["type"] == "TestsRan" for f in e["data"]["failed"]]
    failures += [d.message for ds in client.diagnostics.values() for d in ds]
    texts = [log.read_text(errors="replace"), json.dumps(ed.events), json.dumps(ed.proposals),
             repr(client.messages), repr(client.log_messages), repr(client.diagnostics),
             repr(dict(client.progress_reports)), repr(ed.prompts)]
    return Outcome("lsp", result, "\n".join(failures), texts, footprint, time.monotonic() - start)


def fix(h: Hostile, via: str, *, cli_args=(), settings=None, budget: float = BUDGET, after=lambda: None,
        measure: bool = False) -> Outcome:
    """One fix of P's failing test through `via` ("cli" or "lsp"); `after` runs when it ended
    (for the server: while it still runs). The caller checks the attack's effects first, then
    `Outcome.sane()`: an attack that got through may well break Remedy too."""
    if via == "cli":
        out = run_cli(h, *cli_args, budget=budget, measure=measure)
        after()
    else:
        out = asyncio.run(run_server(h, settings, budget=budget, after_job=after, measure=measure))
    return out


def reported(out: Outcome, prefix: str) -> str:
    """The test's own report line of an attack, as Remedy reported the failing test's message (the
    CLI shows its start; the server all of it, the lines of the attacks on import after it)."""
    found = re.findall(re.escape(prefix) + r"[^\n]*", out.failures)
    assert found, f"Remedy did not report the attack's {prefix!r} line: {out.failures[-3000:]}"
    return found[0]


VIA = pytest.mark.parametrize("via", ["cli", "lsp"])


# -- 1. files ---------------------------------------------------------------------------------------
@VIA
def test_files_outside_inside_and_home_stay_untouched(tmp_path: Path, via: str) -> None:
    h = hostile_project(tmp_path, conftest=["files"], module=["files"], test=["files"], git=True)
    real_home = Path(os.path.expanduser("~"))
    canary = real_home / ".bashrc_remedy_canary"
    assert not canary.exists()
    before = (tree(h.root, skip=".remedy"), tree(h.outside), tree(h.home))
    try:
        out = fix(h, via)
        assert tree(h.outside) == before[1], f"outside P: {changes(before[1], tree(h.outside))}"
        assert tree(h.root, skip=".remedy") == before[0], \
            f"the user's project: {changes(before[0], tree(h.root, skip='.remedy'))}"
        assert tree(h.home) == before[2], f"$HOME: {changes(before[2], tree(h.home))}"
        assert not canary.exists(), f"{canary} was written"
    finally:
        canary.unlink(missing_ok=True)
    # the trap was armed: a plain `git ls-files` in P runs the project's fsmonitor hook
    subprocess.run(["git", "ls-files"], cwd=h.root, capture_output=True, timeout=30)
    assert (h.outside / "fsmonitor-ran").exists(), "the fsmonitor hook never runs: no trap"
    remedy_state = tree(h.root / ".remedy") if (h.root / ".remedy").is_dir() else {}
    assert all(REMEDY_FILES.fullmatch(p) or v == "dir" for p, v in remedy_state.items()), remedy_state
    line = reported(out, "FILES ")
    done = re.search(r"FILES done=(\S+) refused=(\d+)", line)
    # only the sandbox's own copy and its private, empty $HOME took writes; everything real refused
    assert done and set(done[1].split(",")) <= ALLOWED_WRITES and int(done[2]) >= 9, line
    if via == "lsp":                            # the server reports the whole message
        for how in ("hard-coded", "walk-up"):
            assert f"P[{how}]-overwrite=refused" in line and f"P[{how}]-remove=refused" in line, line
    out.sane()
    assert out.result["status"] == "fixed", out.result


# -- 2. secrets -------------------------------------------------------------------------------------
class RecordingOpenAI(FakeOpenAI):
    """The loopback OpenAI fake, keeping every request body it got (refused ones too)."""

    def __init__(self, *args, **kw) -> None:
        super().__init__(*args, **kw)
        self.bodies: list[dict] = []

    def answer(self, body: dict):
        self.bodies.append(body)
        if (body.get("messages") or [{}])[-1].get("content") == "Reply with OK.":
            return 200, {"content": "OK"}          # the server's reachability check: no turn of the script
        return super().answer(body)


LLM_STEPS = [("list_files", {"rel_dir": "."}), ("read_file", {"path": "tests/test_calc.py"}),
             ("run_tests", {}), ("edit", {"path": "calc.py", "old_text": "n > 3", "new_text": "n >= 3"}),
             ("run_tests", {}), ("finish", {"summary": "compute() counts 3 in", "changes": "calc.py"})]


def leaked(canary: str, texts: list[str]) -> str | None:
    """Where `canary` (or the attack's reversed copy of it) shows up in `texts`, if anywhere."""
    for text in texts:
        for form in (canary, canary[::-1]):
            at = text.find(form)
            if at >= 0:
                return text[max(0, at - 300):at + 100]
    return None


@pytest.mark.parametrize("via, engine", [("cli", "builtin"), ("cli", "llm"), ("lsp", "llm")])
def test_secrets_are_out_of_reach_and_in_no_output(tmp_path: Path, via: str, engine: str) -> None:
    h = hostile_project(tmp_path, conftest=["secrets"], module=["secrets"], test=["secrets"])
    fake = RecordingOpenAI([{"tool_calls": [{"name": n, "arguments": a}]} for n, a in LLM_STEPS],
                           api_key=OPENAI_CANARY)      # a request without the key gets a 401
    with fake:
        llm = engine == "llm"
        cli_args = ("--engine", "llm", "--base-url", fake.base_url, "--model", "fake-model") if llm else ()
        settings = {"engine": "llm", "llm": {"baseUrl": fake.base_url, "model": "fake-model"}} if llm else None
        out = fix(h, via, cli_args=cli_args, settings=settings)
    line = reported(out, "SECRETS ")
    # the test's own environment holds no key, and no environ it could read held one either
    assert line.startswith("SECRETS found=0 own-env=0 "), line
    prompts = [json.dumps(body) for body in fake.bodies]
    if engine == "llm":     # the fake answers 401 to a request without `Authorization: Bearer <key>`
        assert fake.rejections == [] and prompts
        assert any("SECRETS found=0" in p for p in prompts), "the failure was quoted to the model"
        assert list((h.root / ".remedy" / "traces").glob("*.jsonl")), "the session left its trace"
    # every file under tmp_path: P with .remedy/ (traces, logs), the server's log, the home folder
    written = [path.read_text(errors="replace") for path in tmp_path.rglob("*") if path.is_file()]
    everything = [*out.texts, json.dumps(out.result), out.failures, *written, *prompts]
    for canary in CANARIES:
        where = leaked(canary, everything)
        assert where is None, f"{canary} leaked: ...{where}..."
    out.sane()
    assert out.result["status"] == "fixed", out.result


# -- 3. network -------------------------------------------------------------------------------------
def received(listener: socket.socket) -> list[bytes]:
    """What every connection the listener got said (they wait in its backlog until accepted)."""
    got = []
    while True:
        try:
            conn, _ = listener.accept()
        except BlockingIOError:
            return got
        with conn:
            conn.settimeout(1.0)
            try:
                got.append(conn.recv(200))
            except OSError:
                got.append(b"?")


@VIA
def test_no_connection_reaches_a_loopback_listener(tmp_path: Path, via: str) -> None:
    h = hostile_project(tmp_path, conftest=["network"], module=["network"], test=["network"], listener=True)
    try:
        out = fix(h, via)
        assert received(h.listener) == [], "the hostile code reached the host's loopback"
    finally:
        h.listener.close()
    line = reported(out, "NET ")
    assert line.startswith("NET done=none refused="), line
    if via == "lsp":
        assert "direct=refused" in line and "setns:/proc/1/ns/net=refused" in line, line
    out.sane()
    assert out.result["status"] == "fixed", out.result


# -- 4. processes -----------------------------------------------------------------------------------
def still_running(marker: str, grace: float = 5.0) -> list[str]:
    """The marked processes alive after `grace` seconds (a killed namespace takes a moment)."""
    deadline = time.monotonic() + grace
    while True:
        left = processes_marked(marker)
        if not left or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    described = []
    for pid in left:
        try:
            described.append(f"{pid}: {Path(f'/proc/{pid}/cmdline').read_bytes()[:80]!r}")
        except OSError:
            pass
    return described


@pytest.fixture
def reaper():
    """Kills what the attacks started, whatever the test found: `reaper(marker)` registers one."""
    markers: list[str] = []
    yield markers.append
    for marker in markers:
        for pid in processes_marked(marker):
            try:
                os.kill(pid, 9)
            except OSError:
                pass


@VIA
def test_no_process_outlives_the_run(tmp_path: Path, via: str, reaper) -> None:
    # 500 on import of the conftest: in the reproduction run and in every warm worker; more in
    # each test and on each import of the module under repair, in every validation run too
    h = hostile_project(tmp_path, conftest=["processes"], module=["daemon"], test=["a_few_processes"],
                        count=500)
    reaper(h.marker)
    left: list[str] = []
    out = fix(h, via, budget=HEAVY_BUDGET, after=lambda: left.extend(still_running(h.marker)))
    assert not left, f"{len(left)} processes outlived the run, e.g. {left[:5]}"
    assert "PROCS started=25 failed=0" in reported(out, "PROCS ")
    if via == "lsp":                  # the whole message: the conftest's 500 too
        assert "PROCS started=500 failed=0 setsid=1 daemon=1 (on import of the conftest)" in out.failures
    out.sane()
    assert out.result["status"] == "fixed", out.result


# -- 5. limits --------------------------------------------------------------------------------------
@VIA
def test_limits_are_hard(tmp_path: Path, via: str) -> None:
    h = hostile_project(tmp_path, conftest=["limits"], module=["limits"], test=["limits"])
    out = fix(h, via)
    line = reported(out, "LIMITS ")
    assert line.startswith("LIMITS done=none refused=13"), line
    if via == "lsp":
        for name in ("AS", "CPU", "NPROC"):
            for how in ("unlimited", "raise-hard", "soft-above-hard", "soft-to-hard"):
                assert f"{name}:{how}=refused" in line, line
        assert "mmap-20G=refused" in line, line
    out.sane()
    assert out.result["status"] == "fixed", out.result


@pytest.mark.parametrize("hard", [False, True])
def test_the_limits_attack_sees_soft_only_limits(tmp_path: Path, hard: bool) -> None:
    """The limits attack can fail: under soft limits alone (issue 20's hole) it raises them and
    maps the 20 GB; under hard ones it is refused, as the sandbox's runs report above."""
    h = hostile_project(tmp_path)
    wanted = {resource.RLIMIT_AS: 4 << 30, resource.RLIMIT_CPU: 600, resource.RLIMIT_NPROC: 4096}

    def soft_only() -> None:
        for which, value in wanted.items():
            resource.setrlimit(which, (value, value if hard else resource.getrlimit(which)[1]))

    done = subprocess.run([sys.executable, "-c", "import attacks; print(attacks.limits())"], cwd=h.root,
                          capture_output=True, text=True, timeout=60, preexec_fn=soft_only)
    line = done.stdout.strip()
    if hard:
        assert line.startswith("LIMITS done=none refused=13"), (line, done.stderr)
    else:
        assert "AS:unlimited=RAISED" in line and "CPU:unlimited=RAISED" in line, (line, done.stderr)
        assert "mmap-20G=MAPPED" in line, line


# -- 6. output --------------------------------------------------------------------------------------
@VIA
def test_remedy_stays_bounded_under_a_flood_of_output(tmp_path: Path, via: str) -> None:
    h = hostile_project(tmp_path, test=["flood"], flood=FLOOD)
    out = fix(h, via, budget=HEAVY_BUDGET, measure=True)
    out.sane()
    assert out.result["status"] == "fixed", out.result
    assert f"FLOOD {FLOOD} bytes each" in reported(out, "FLOOD ")
    rss = out.footprint.peak_rss
    assert 0 < rss < RSS_BOUND, f"Remedy's peak RSS was {rss >> 20} MiB"
    assert sum(map(len, out.texts)) < 50 << 20, "Remedy passed the flood on"
    # bounded capture means bounded on disk too: no temporary file of Remedy's takes the flood whole
    size, path = out.footprint.largest_temp_file
    assert size < TEMP_FILE_BOUND, f"Remedy kept {size >> 20} MiB of test output in {path}"


def test_the_footprint_sees_a_large_process_and_file(tmp_path: Path) -> None:
    """Footprint can fail: it sees a process that holds 500 MB, and a 100 MB temporary file."""
    script = ("import tempfile, time; x = bytearray(500 << 20); f = tempfile.TemporaryFile(); "
              "f.write(bytes(100 << 20)); f.flush(); time.sleep(1.5)")
    proc = subprocess.Popen([sys.executable, "-c", script])
    footprint = Footprint(proc.pid)
    proc.wait(timeout=30)
    footprint.stop()
    assert footprint.peak_rss > 450 << 20 and footprint.largest_temp_file[0] >= 100 << 20


# -- 7. what must keep holding: hung tests die at their timeout -------------------------------------
HANGS = """

def test_hangs_once_fixed():
    if compute() == 1:             # every candidate that fixes test_compute makes this one hang
        attacks.hang()
"""


@VIA
def test_hung_tests_die_at_their_timeout(tmp_path: Path, via: str, reaper) -> None:
    h = hostile_project(tmp_path, extra_tests=HANGS)
    reaper(h.marker)
    left: list[str] = []
    out = fix(h, via, cli_args=("--max-candidates", "3"), settings={"maxCandidates": 3},
              after=lambda: left.extend(still_running(h.marker)))
    assert not left, left
    out.sane()
    assert out.result["status"] == "no_fix", out.result      # the fix made another test hang
    assert out.result["elapsed_s"] < BUDGET + 5, out.result      # within its budget, hang or not
    if via == "lsp":                  # the server's events say which: the fix, at its regression run
        rejected = [e["data"] for e in json.loads(out.texts[1]) if e["type"] == "Validation"
                    and "`>=`" in e["data"]["description"]]
        assert rejected and not rejected[0]["plausible"] and rejected[0]["stage"] == "regression", rejected
