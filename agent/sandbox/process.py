"""Running untrusted commands (the user's tests, patched by a candidate) with a leash.

Every command runs confined (confine.py: bubblewrap and Landlock) in its own session, so a timeout
or a cancel kills it and everything it spawned; hard CPU, memory, file-descriptor, process and
file-size limits; a minimal environment with no secrets; output captured up to a bound. Only with
the user's explicit opt-out does a command run unconfined, as before: its own process group and,
where the OS allows it, no network (an `unshare` prefix, probed once and cached).
"""
from __future__ import annotations

import functools
import os
import resource
import shutil
import signal
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

from ..cancel import CancelToken
from ..errors import Cancelled
from ..secrets import is_secret as _is_secret   # the one rule: agent/secrets.py
from .confine import Confinement, confined

__all__ = ["Limits", "ProcessResult", "BoundedCapture", "minimal_env", "network_prefix",
           "popen_limited",
           "run_limited", "kill_group"]

_KEEP = ("PATH", "HOME", "LANG", "LANGUAGE", "TERM", "TMPDIR", "TZ", "USER", "LOGNAME", "SHELL",
         "PYTHONHASHSEED", "PYTHONIOENCODING", "PYTHONUTF8", "SYSTEMROOT")


@dataclass(frozen=True)
class Limits:
    """Hard limits (soft = hard, so the confined code cannot raise them) and the captured output."""
    cpu_seconds: int = 600
    address_space: int = 4 << 30
    open_files: int = 4096
    processes: int = 4096
    file_size: int = 2 << 30
    output_bytes: int = 1 << 20            # of stdout and of stderr each: the head and the tail
    nice: int = 0                      # added niceness; >0 for background work


@dataclass
class ProcessResult:
    returncode: int
    stdout: str
    stderr: str
    timed_out: bool
    duration: float


def minimal_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The parent's environment reduced to what tests need; never anything that looks secret."""
    env = {k: v for k, v in os.environ.items()
           if (k in _KEEP or k.startswith("LC_")) and not _is_secret(k)}
    env.update(extra or {})
    return {k: v for k, v in env.items() if not _is_secret(k)}


def _probe(prefix: list[str]) -> bool:
    return _probe_cmd(prefix + ["true"])


def _probe_cmd(cmd: list[str]) -> bool:
    try:
        return subprocess.run(cmd, capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


@functools.lru_cache(maxsize=1)
def network_prefix() -> tuple[str, ...]:
    """A command prefix that runs its argument without network, or () where the OS refuses."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return ()
    candidates = [[unshare, "--net", "--map-root-user"]]
    if os.geteuid() == 0:
        candidates.insert(0, [unshare, "--net"])
    for prefix in candidates:
        if _probe(prefix):
            ip = shutil.which("ip")
            if ip and _probe_cmd(prefix + [ip, "link", "set", "lo", "up"]):
                # bring loopback up so tests that talk to 127.0.0.1 still work offline
                return (*prefix, "sh", "-c", f'{ip} link set lo up 2>/dev/null; exec "$@"', "sh")
            return tuple(prefix)
    return ()


def _preexec(limits: Limits):
    def apply() -> None:
        def cap(which: int, value: int) -> None:
            _, hard = resource.getrlimit(which)
            value = value if hard == resource.RLIM_INFINITY else min(value, hard)
            try:
                resource.setrlimit(which, (value, value))
            except (ValueError, OSError):
                pass
        cap(resource.RLIMIT_CPU, limits.cpu_seconds)
        cap(resource.RLIMIT_AS, limits.address_space)
        cap(resource.RLIMIT_NOFILE, limits.open_files)
        cap(resource.RLIMIT_NPROC, limits.processes)
        cap(resource.RLIMIT_FSIZE, limits.file_size)
        if limits.nice:
            os.nice(limits.nice)
    return apply


def popen_limited(cmd: Sequence[str], cwd: Path, env: Mapping[str, str], *,
                  limits: Limits = Limits(), confinement: Confinement = Confinement(),
                  writable: Sequence[Path] = (), **popen_kw) -> subprocess.Popen:
    """Start `cmd` confined (see confine.py; `cwd` and `writable` are its only writable folders),
    in a new session, under `limits`. Unconfined only when the user opted out (`unsafe`): then, as
    before, its own process group and, where the OS allows it, no network."""
    if confinement.unsafe:
        argv, env = list(network_prefix()) + list(cmd), dict(env)
    else:
        argv, env = confined(cmd, cwd, env, writable=writable, confinement=confinement)
    preexec = _preexec(limits)
    return _spawner().submit(lambda: subprocess.Popen(argv, cwd=str(cwd), env=env, start_new_session=True,
                                                      preexec_fn=preexec, **popen_kw)).result()


@functools.lru_cache(maxsize=1)
def _spawner() -> ThreadPoolExecutor:
    """The one thread that starts every confined process. bubblewrap's --die-with-parent is a
    parent-death signal, and Linux sends it when the *thread* that forked the sandbox exits: a
    sandbox started from a short-lived worker thread would die with that thread. This thread
    lives as long as Remedy does, so the sandboxes die with Remedy, and only with it."""
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="remedy-spawner")


class BoundedCapture:
    """Keeps the first and the last `limit // 2` bytes of a stream and counts what it dropped."""

    def __init__(self, limit: int) -> None:
        self.half = max(1, limit // 2)
        self.head = bytearray()
        self.tail = bytearray()
        self.dropped = 0

    def feed(self, chunk: bytes) -> None:
        room = self.half - len(self.head)
        if room > 0:
            self.head += chunk[:room]
            chunk = chunk[room:]
        self.tail += chunk
        if len(self.tail) > self.half:
            cut = len(self.tail) - self.half
            del self.tail[:cut]
            self.dropped += cut

    def drain(self, stream) -> None:
        fd = stream.fileno()
        while True:
            try:
                chunk = os.read(fd, 1 << 16)
            except OSError:
                return
            if not chunk:
                return
            self.feed(chunk)

    def text(self) -> str:
        middle = f"\n[... {self.dropped} bytes of output dropped ...]\n".encode() if self.dropped else b""
        return (bytes(self.head) + middle + bytes(self.tail)).decode("utf-8", "replace")


def kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def run_limited(cmd: Sequence[str], cwd: Path, *, timeout: float, env: Mapping[str, str],
                cancel: CancelToken | None = None, limits: Limits = Limits(),
                confinement: Confinement = Confinement(),
                writable: Sequence[Path] = ()) -> ProcessResult:
    """Run to completion, or kill it and all it started at `timeout` / when `cancel` fires. The
    output kept is bounded by `limits.output_bytes` per stream (head and tail)."""
    if cancel is not None:
        cancel.check()
    start = time.monotonic()
    proc = popen_limited(cmd, cwd, env, limits=limits, confinement=confinement, writable=writable,
                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    unregister = cancel.kill_group_on_cancel(proc.pid) if cancel is not None else (lambda: None)
    captures = (BoundedCapture(limits.output_bytes), BoundedCapture(limits.output_bytes))
    readers = [threading.Thread(target=c.drain, args=(s,), daemon=True)
               for c, s in zip(captures, (proc.stdout, proc.stderr))]
    for reader in readers:
        reader.start()
    timed_out = False
    try:
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            kill_group(proc)
            proc.wait()
    finally:
        unregister()
        kill_group(proc)               # leftovers of a finished command die with it too
        for reader in readers:
            reader.join(timeout=5.0)   # an unconfined leftover may hold the pipe open
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
    if cancel is not None and cancel.cancelled:
        raise Cancelled("cancelled")
    return ProcessResult(proc.returncode, captures[0].text(), captures[1].text(), timed_out,
                         time.monotonic() - start)
