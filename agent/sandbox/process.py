"""Running untrusted commands (the user's tests, patched by a candidate) with a leash.

Every command gets its own process group so a timeout or a cancel kills it and everything it
spawned; CPU, address-space and file-descriptor limits; a minimal environment with no secrets; and,
where the OS allows it, no network (an `unshare` prefix, probed once and cached).
"""
from __future__ import annotations

import functools
import os
import resource
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

from ..cancel import CancelToken
from ..errors import Cancelled

__all__ = ["Limits", "ProcessResult", "minimal_env", "network_prefix", "popen_limited",
           "run_limited", "kill_group"]

_KEEP = ("PATH", "HOME", "LANG", "LANGUAGE", "TERM", "TMPDIR", "TZ", "USER", "LOGNAME", "SHELL",
         "PYTHONHASHSEED", "PYTHONIOENCODING", "PYTHONUTF8", "SYSTEMROOT")
_SECRET_MARKS = ("KEY", "TOKEN", "SECRET", "PASSWORD", "PASSWD", "CREDENTIAL")
_SECRET_PREFIXES = ("OPENAI_", "AWS_", "ANTHROPIC_", "HF_TOKEN", "GITHUB_", "AZURE_")


@dataclass(frozen=True)
class Limits:
    cpu_seconds: int = 600
    address_space: int = 4 << 30
    open_files: int = 4096
    nice: int = 0                      # added niceness; >0 for background work


@dataclass
class ProcessResult:
    returncode: int
    stdout: str
    stderr: str
    timed_out: bool
    duration: float


def _is_secret(name: str) -> bool:
    upper = name.upper()
    return any(m in upper for m in _SECRET_MARKS) or upper.startswith(_SECRET_PREFIXES)


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
            soft, hard = resource.getrlimit(which)
            value = value if hard == resource.RLIM_INFINITY else min(value, hard)
            try:
                resource.setrlimit(which, (value, hard))
            except (ValueError, OSError):
                pass
        cap(resource.RLIMIT_CPU, limits.cpu_seconds)
        cap(resource.RLIMIT_AS, limits.address_space)
        cap(resource.RLIMIT_NOFILE, limits.open_files)
        if limits.nice:
            os.nice(limits.nice)
    return apply


def popen_limited(cmd: Sequence[str], cwd: Path, env: Mapping[str, str], *,
                  limits: Limits = Limits(), isolate_network: bool = True,
                  **popen_kw) -> subprocess.Popen:
    """Start `cmd` in a new session (its own process group) under `limits`."""
    prefix = list(network_prefix()) if isolate_network else []
    return subprocess.Popen(prefix + list(cmd), cwd=str(cwd), env=dict(env),
                            start_new_session=True, preexec_fn=_preexec(limits), **popen_kw)


def kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def run_limited(cmd: Sequence[str], cwd: Path, *, timeout: float, env: Mapping[str, str],
                cancel: CancelToken | None = None, limits: Limits = Limits(),
                isolate_network: bool = True) -> ProcessResult:
    """Run to completion, or kill the whole process group at `timeout` / when `cancel` fires."""
    if cancel is not None:
        cancel.check()
    start = time.monotonic()
    proc = popen_limited(cmd, cwd, env, limits=limits, isolate_network=isolate_network,
                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    unregister = cancel.kill_group_on_cancel(proc.pid) if cancel is not None else (lambda: None)
    timed_out = False
    try:
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            kill_group(proc)
            out, err = proc.communicate()
    finally:
        unregister()
        kill_group(proc)               # leftovers of a finished command die with it too
    if cancel is not None and cancel.cancelled:
        raise Cancelled("cancelled")
    return ProcessResult(proc.returncode, out.decode("utf-8", "replace"),
                         err.decode("utf-8", "replace"), timed_out, time.monotonic() - start)
